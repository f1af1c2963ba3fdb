import { App } from "aws-cdk-lib";
import { propsFromContext, readContext } from "./context.js";
import { MusterStack } from "./muster-stack.js";
import { acknowledgeNagFindings, checkWithNag } from "./nag.js";

/**
 * The CDK app (cdk.json runs it with tsx). One environment-agnostic stack, configured from
 * the `muster:*` context keys that cdk.json lists with their defaults; the account and region
 * come from the AWS profile at deploy time, so synth needs neither credentials nor network.
 */
const app = new App();
const context = readContext(app.node);
const stack = new MusterStack(app, context.stackName, propsFromContext(context));
acknowledgeNagFindings(stack);
checkWithNag(app);
