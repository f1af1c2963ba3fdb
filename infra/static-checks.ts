/**
 * What cfn-lint and checkov say of the synthesized templates that muster accepts, each with
 * its reason (test/infra/static-checks.integration.test.ts runs both; docs/security.md lists
 * these). Anything else they report fails the tests. cdk-nag's acknowledgements, which cover
 * much the same ground for the AwsSolutions pack, are in nag.ts.
 */

/** cfn-lint rules ignored, for every template. */
export const CFN_LINT_IGNORED: Readonly<Record<string, string>> = {
  W3005:
    "CDK writes DependsOn on a function's role and policy beside the GetAtt of the role: the " +
    "policy must exist before the function is created, which the GetAtt alone does not say.",
};

/** checkov's failed checks accepted, by check id. */
export const CHECKOV_ACCEPTED: Readonly<Record<string, string>> = {
  CKV_AWS_115:
    "No reserved concurrency on the functions: it would throttle a fleet's heartbeats when it " +
    "is reached, and no unsigned request reaches the API (AWS_IAM function URL) to exhaust it.",
  CKV_AWS_116:
    "No dead-letter queue: the API is invoked synchronously through its URL (a DLQ only takes " +
    "asynchronous events), and a failed reconciler run is redone by the next one a minute later.",
  CKV_AWS_117:
    "The functions run outside a VPC: they call DynamoDB, Secrets Manager, EC2 and Cloud Map " +
    "only, and a VPC would add NAT or endpoint costs larger than the registry's own.",
  CKV_AWS_173:
    "The environment holds names and ARNs, never a secret (tokens and keys are read from " +
    "Secrets Manager at run time); Lambda encrypts it at rest with its AWS managed key.",
  CKV_AWS_149:
    "The secrets use Secrets Manager's AWS managed key (aws/secretsmanager): a customer managed " +
    "key adds a key policy to keep and $1 a month each; bring your own secret for one.",
  CKV_AWS_158:
    "The log groups hold no secret (the functions never log a token or a key) and use " +
    "CloudWatch Logs' own encryption; a customer managed key adds cost and a key policy.",
  CKV_AWS_68:
    "The web ACL is optional (muster:wafRateLimit, then muster:webAclArn): with AWS_IAM on the " +
    "function URL, a request without valid credentials is refused by AWS without invoking it.",
  CKV_AWS_86:
    "No CloudFront access logs: at heartbeat volume they would cost more than the registry; " +
    "the functions log every refusal, and CloudFront's metrics are in CloudWatch.",
  CKV_AWS_174:
    "Without a custom domain the distribution uses the *.cloudfront.net certificate, whose " +
    "policy CloudFront fixes; muster:domainName with muster:certificateArn applies TLSv1.2_2021.",
  CKV_AWS_192:
    "The web ACL rate-limits per address; the Log4j rule group (a paid managed rule group) " +
    "guards Java services, and nothing behind the distribution runs Java.",
};
