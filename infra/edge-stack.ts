import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";

export interface EdgeStackProps extends StackProps {
  /**
   * Requests one client address may make in five minutes before the web ACL blocks it
   * (WAF's rate-based rule; 10 at least). A fleet behind one NAT address shares it: 1,000
   * nodes heartbeating every 45 s send about 6,700 in five minutes.
   */
  readonly rateLimit: number;
  /** The web ACL's name. */
  readonly webAclName: string;
}

/**
 * A web ACL for the registry's CloudFront distribution, with one rate-based rule per client
 * address. A web ACL for CloudFront must live in us-east-1, which is why it is a stack of its
 * own there: CloudFormation passes nothing between regions, so deploy this one first and give
 * its `WebAclArn` output to the registry's stack as `muster:webAclArn` (docs/deploy.md).
 *
 * What it costs: $5 a month for the web ACL, $1 for the rule, $0.60 per million requests it
 * inspects — every request through CloudFront, reads included (docs/cost.md). Requests nodes
 * in AWS sign straight to the function URL do not pass through it.
 */
export class EdgeStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    if (!Number.isInteger(props.rateLimit) || props.rateLimit < 10) {
      throw new Error("muster:wafRateLimit must be a whole number of requests, 10 or more");
    }
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      name: props.webAclName,
      description: "muster registry: a rate limit per client address",
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.webAclName}-all`),
      rules: [
        {
          name: "rate-per-address",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.rateLimit,
              aggregateKeyType: "IP",
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility(`${props.webAclName}-rate`),
        },
      ],
    });
    new CfnOutput(this, "WebAclArn", {
      description:
        "The web ACL to attach to the registry's distribution: deploy the registry with -c muster:webAclArn=<this>",
      value: this.webAcl.attrArn,
    });
  }
}
