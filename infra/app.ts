import { App } from "aws-cdk-lib";
import { propsFromContext, readContext } from "./context.js";
import { EdgeStack } from "./edge-stack.js";
import { MusterStack } from "./muster-stack.js";
import { acknowledgeNagFindings, checkWithNag } from "./nag.js";

/**
 * The CDK app (cdk.json runs it with tsx). One environment-agnostic stack, configured from
 * the `muster:*` context keys that cdk.json lists with their defaults; the account and region
 * come from the AWS profile at deploy time, so synth needs neither credentials nor network.
 * With `muster:wafRateLimit`, a second stack holds the web ACL in us-east-1.
 */
const app = new App();
const context = readContext(app.node);
const stack = new MusterStack(app, context.stackName, propsFromContext(context));
acknowledgeNagFindings(stack);
// A web ACL with a rate limit, in us-east-1 as CloudFront requires: a stack of its own, whose
// WebAclArn output the registry's stack then takes as muster:webAclArn (docs/deploy.md).
if (context.wafRateLimit !== undefined) {
  new EdgeStack(app, `${context.stackName}Edge`, {
    env: { region: "us-east-1" },
    description: "muster: the registry's web ACL (CloudFront scope)",
    rateLimit: context.wafRateLimit,
    webAclName: `${context.stackName}-registry`,
  });
}
checkWithNag(app);
