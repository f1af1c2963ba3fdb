/**
 * AWS list prices, us-east-1, on-demand, without free tiers or savings plans: the one place
 * `npm run cost` takes a price from. Each price says where it was read and when. Review them
 * all together when AWS changes a price; nothing else in cost/ holds a dollar figure.
 */
export interface Price {
  /** US dollars per `unit`. */
  usd: number;
  unit: string;
  /** The page (or AWS price list file) the figure was read from. */
  source: string;
  /** When it was read (YYYY-MM-DD). */
  checked: string;
}

const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const DYNAMODB_ON_DEMAND = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
const DYNAMODB_PROVISIONED = "https://aws.amazon.com/dynamodb/pricing/provisioned/";
const CLOUDFRONT = "https://aws.amazon.com/cloudfront/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const WAF = "https://aws.amazon.com/waf/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const SCHEDULER = "https://aws.amazon.com/eventbridge/pricing/";
const CLOUD_MAP =
  "AWS price list AWSCloudMap (effective 2025-08-01); https://aws.amazon.com/cloud-map/pricing/";
const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/";
const EBS = "https://aws.amazon.com/ebs/pricing/";
const CHECKED = "2026-12-01";

export const PRICES = {
  lambdaRequest: { usd: 0.2e-6, unit: "request", source: LAMBDA, checked: CHECKED },
  /** Arm (Graviton), first pricing tier (7.5 billion GB-s a month). */
  lambdaArmGbSecond: { usd: 0.0000133334, unit: "GB-second", source: LAMBDA, checked: CHECKED },
  /** Function URLs cost nothing beyond the function's requests and duration. */
  functionUrlRequest: { usd: 0, unit: "request", source: LAMBDA, checked: CHECKED },
  /** Lambda's data out to the internet is billed at EC2 rates (first 10 TB a month). */
  dataOutInternetGb: { usd: 0.09, unit: "GB", source: EC2, checked: CHECKED },
  /** HTTPS requests, United States/Mexico/Canada: $0.0100 per 10,000. */
  cloudFrontHttpsRequest: {
    usd: 0.01 / 10_000,
    unit: "request",
    source: CLOUDFRONT,
    checked: CHECKED,
  },
  /** Data out to the internet, United States, first 10 TB a month. */
  cloudFrontDataOutGb: { usd: 0.085, unit: "GB", source: CLOUDFRONT, checked: CHECKED },
  /** Data CloudFront forwards to the origin (a POST body), United States. */
  cloudFrontToOriginGb: { usd: 0.02, unit: "GB", source: CLOUDFRONT, checked: CHECKED },
  /** AWS WAF: a web ACL a month, a rule a month, and each request it inspects. */
  wafWebAclMonth: { usd: 5, unit: "web ACL-month", source: WAF, checked: CHECKED },
  wafRuleMonth: { usd: 1, unit: "rule-month", source: WAF, checked: CHECKED },
  wafRequest: { usd: 0.6e-6, unit: "request", source: WAF, checked: CHECKED },
  dynamoWriteRequestUnit: {
    usd: 0.625e-6,
    unit: "WRU",
    source: DYNAMODB_ON_DEMAND,
    checked: CHECKED,
  },
  dynamoReadRequestUnit: {
    usd: 0.125e-6,
    unit: "RRU",
    source: DYNAMODB_ON_DEMAND,
    checked: CHECKED,
  },
  dynamoWcuHour: { usd: 0.00065, unit: "WCU-hour", source: DYNAMODB_PROVISIONED, checked: CHECKED },
  dynamoRcuHour: { usd: 0.00013, unit: "RCU-hour", source: DYNAMODB_PROVISIONED, checked: CHECKED },
  dynamoStorageGbMonth: {
    usd: 0.25,
    unit: "GB-month",
    source: DYNAMODB_ON_DEMAND,
    checked: CHECKED,
  },
  dynamoPitrGbMonth: { usd: 0.2, unit: "GB-month", source: DYNAMODB_ON_DEMAND, checked: CHECKED },
  logsIngestionGb: { usd: 0.5, unit: "GB", source: CLOUDWATCH, checked: CHECKED },
  /** Custom metrics (EMF creates them), first 10,000 a month. */
  metricMonth: { usd: 0.3, unit: "metric-month", source: CLOUDWATCH, checked: CHECKED },
  /** Standard-resolution alarm. */
  alarmMonth: { usd: 0.1, unit: "alarm-month", source: CLOUDWATCH, checked: CHECKED },
  secretMonth: { usd: 0.4, unit: "secret-month", source: SECRETS, checked: CHECKED },
  secretsApiCall: { usd: 0.05 / 10_000, unit: "API call", source: SECRETS, checked: CHECKED },
  /** EventBridge Scheduler, after 14 million free invocations a month. */
  schedulerInvocation: { usd: 1e-6, unit: "invocation", source: SCHEDULER, checked: CHECKED },
  cloudMapInstanceMonth: { usd: 0.1, unit: "instance-month", source: CLOUD_MAP, checked: CHECKED },
  /** DiscoverInstances (and the other discovery API calls). */
  cloudMapQuery: { usd: 1e-6, unit: "API call", source: CLOUD_MAP, checked: CHECKED },
  ec2T4gSmallHour: { usd: 0.0168, unit: "instance-hour", source: EC2, checked: CHECKED },
  ebsGp3GbMonth: { usd: 0.08, unit: "GB-month", source: EBS, checked: CHECKED },
} as const satisfies Record<string, Price>;

export type Prices = { [K in keyof typeof PRICES]: Price };

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const GB = 1024 ** 3;
