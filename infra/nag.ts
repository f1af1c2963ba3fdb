import { type App, Validations } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import type { MusterStack } from "./muster-stack.js";

/**
 * Runs cdk-nag's AwsSolutions pack when the app synthesizes (cdk-nag 3 is a CDK validation
 * plugin): any finding, error or warning, that is not acknowledged fails synthesis.
 */
export function checkWithNag(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}

/** On the CloudFormation resource itself, so that it covers no other resource below the L2. */
function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope.node.defaultChild ?? scope).acknowledge({
    id: `AwsSolutions-${id}`,
    reason,
  });
}

/**
 * Every finding muster accepts, on the narrowest construct, each with its reason. cdk-nag 3
 * matches an acknowledgement per finding: an IAM5 acknowledgement names the one wildcard it
 * accepts, so a new wildcard still fails synthesis.
 */
export function acknowledgeNagFindings(stack: MusterStack): void {
  if (stack.tokensSecret instanceof secretsmanager.Secret) {
    acknowledge(
      stack.tokensSecret,
      "SMG4",
      "Bearer tokens are held by the nodes of a cluster; a rotation Lambda would invalidate them " +
        "behind the nodes' backs. Rotation is an operator procedure (add a token, roll the nodes, " +
        "remove the old token), which the API picks up within five minutes.",
    );
  }

  if (stack.signingKeysSecret instanceof secretsmanager.Secret) {
    acknowledge(
      stack.signingKeysSecret,
      "SMG4",
      "A signing key must stay valid for a grace period after it is replaced, which a rotation " +
        "Lambda replacing the secret's value would not keep. Rotation is npm run keys -- rotate, " +
        "which retires the old key with a grace period; the API picks it up within five minutes.",
    );
  }

  if (stack.presignKeysSecret instanceof secretsmanager.Secret) {
    acknowledge(
      stack.presignKeysSecret,
      "SMG4",
      "Replacing the presign key kills every URL signed with it, which is what removing its key " +
        "id is for; a rotation Lambda would do so on a timer, behind the backs of the nodes holding " +
        "the URLs. Rotation is an operator procedure: add a key id, then remove the old one.",
    );
  }

  const distribution = stack.frontDoor.distribution;
  acknowledge(
    distribution,
    "CFR1",
    "Cluster nodes and joining nodes run wherever their operators deploy them; geo restriction " +
      "would only break legitimate clients. Every /v1 request is authenticated at the origin.",
  );
  if (stack.frontDoor.webAclArn === undefined) {
    acknowledge(
      distribution,
      "CFR2",
      "The function URL takes only signed requests (AWS_IAM), so nothing reaches the function " +
        "but CloudFront's and the mapped node roles'; every /v1 request through CloudFront then " +
        "needs a token, and reads are cached per token. A web ACL with a rate-based rule (about " +
        "$6/month plus $0.60 per million requests) is one context key away (muster:wafRateLimit, " +
        "then muster:webAclArn) for deployments that want a limit per address at the edge.",
    );
  }
  acknowledge(
    distribution,
    "CFR3",
    "At heartbeat volume (thousands of requests per second) CloudFront access logs would cost " +
      "more than the registry and record mostly renewals. The functions log every error and " +
      "refusal, and CloudWatch carries request, error and cache-hit metrics for the distribution.",
  );
  if (stack.frontDoor.domainName === undefined) {
    acknowledge(
      distribution,
      "CFR4",
      "Without a custom domain the distribution uses the default *.cloudfront.net certificate, " +
        "whose policy CloudFront fixes at TLSv1; clients negotiate TLS 1.2 or 1.3 in practice. " +
        "Setting domainName and certificateArn applies TLSv1.2_2021.",
    );
  }

  const reconcilerPolicy = stack.reconciler.fn.role.node.tryFindChild("DefaultPolicy");
  if (reconcilerPolicy && stack.reconciler.sources.length > 0) {
    acknowledge(
      reconcilerPolicy,
      "IAM5[Resource::*]",
      "ec2:DescribeInstances and servicediscovery:ListServices support no resource-level " +
        "permissions (Service Authorization Reference): '*' is the only valid resource. Only " +
        "these two read-only actions get it.",
    );
  }
  if (reconcilerPolicy && stack.reconciler.sources.includes("cloudmap")) {
    acknowledge(
      reconcilerPolicy,
      "IAM5[Resource::arn:<AWS::Partition>:servicediscovery:<AWS::Region>:<AWS::AccountId>:service/*]",
      "Cloud Map service ARNs (service/srv-…) do not name their namespace, the reconciler " +
        "creates its services at run time, and the instance actions offer no namespace condition; " +
        "CreateService itself is pinned to the namespace by servicediscovery:NamespaceArn.",
    );
  }
}
