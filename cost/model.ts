import type { Assumptions } from "./assumptions.js";
import type { Measured } from "./measured.js";
import { GB, HOURS_PER_MONTH, type Prices, SECONDS_PER_MONTH } from "./prices.js";

export type Capacity = "on-demand" | "provisioned";
/**
 * How a heartbeat reaches the function. direct: a node in AWS signs with its role (SigV4) to
 * the AWS_IAM function URL; cloudfront: a node outside AWS through the distribution with a
 * token (origin access control signs for it); cloudfront-waf: the same behind the optional
 * web ACL (muster:wafRateLimit).
 */
export type Path = "direct" | "cloudfront" | "cloudfront-waf";
export const PATHS: readonly Path[] = ["direct", "cloudfront", "cloudfront-waf"];

export interface Settings {
  memoryMb: number;
  /** JSON logs with system level WARN write no platform line per invocation. */
  logs: "json-warn" | "text-info";
  /** aggregated: one EMF line per container per flush period; per-invocation: one each. */
  metrics: "aggregated" | "per-invocation";
  targetUtilizationPercent: number;
  minWriteCapacity: number;
  minReadCapacity: number;
  /** DynamoDB's own latency for a conditional UpdateItem in the region, ms. */
  dynamoLatencyMs: number;
}

export interface Scenario {
  nodes: number;
  intervalSeconds: number;
  capacity: Capacity;
  path: Path;
}

export interface Inputs {
  prices: Prices;
  measured: Measured;
  assumptions: Assumptions;
  settings: Settings;
}

/** Dollars a month, by what pays for it. */
export interface Breakdown {
  lambdaRequests: number;
  lambdaDuration: number;
  dynamo: number;
  logs: number;
  transfer: number;
  cloudFront: number;
  /** The web ACL's request fee (cloudfront-waf); its monthly fee is in the fixed cost. */
  waf: number;
}

export interface Estimate {
  scenario: Scenario;
  /** Scales with nodes. */
  variable: Breakdown;
  variableTotal: number;
  /** Paid whatever the fleet (fixedMonthly), for the table's minimum capacity included. */
  fixed: number;
  perNode: number;
}

/** A vCPU per 1,769 MB is how Lambda allots CPU to memory. */
const MB_PER_VCPU = 1769;

const sum = (b: Breakdown) => Object.values(b).reduce((a, x) => a + x, 0);

/**
 * Billed ms of one heartbeat: DynamoDB's latency plus the measured CPU time, stretched by the
 * share of a vCPU the memory size buys (never more than one vCPU's speed), rounded up to 1 ms.
 */
export function billedMs(measured: Measured, settings: Settings): number {
  const cpuShare = Math.min(1, settings.memoryMb / MB_PER_VCPU);
  return Math.ceil(settings.dynamoLatencyMs + measured.heartbeatCpuMs / cpuShare);
}

/**
 * Estimated cold start: the measured import plus first request stretched the same way. Not the
 * import alone: the bundle defers some loading (undici, behind Request and Response) to the
 * first request, so the import alone understates it.
 */
export function coldStartMs(measured: Measured, memoryMb: number): number {
  return Math.round(measured.coldStartMs / Math.min(1, memoryMb / MB_PER_VCPU));
}

/** Warm containers the steady load keeps busy: concurrency, at least one. */
export function containers(requestsPerSecond: number, ms: number): number {
  return Math.max(1, Math.ceil((requestsPerSecond * ms) / 1000));
}

/** Provisioned units auto scaling holds for a steady rate (never below the minimum). */
export function provisionedUnits(perSecond: number, targetPercent: number, min: number): number {
  return Math.max(min, Math.ceil(perSecond / (targetPercent / 100)));
}

export function estimate(inputs: Inputs, scenario: Scenario): Estimate {
  const { prices: p, measured: m, assumptions: a, settings: s } = inputs;
  const perSecond = scenario.nodes / scenario.intervalSeconds;
  const requests = perSecond * SECONDS_PER_MONTH;
  const ms = billedMs(m, s);
  const warm = containers(perSecond, ms);

  const lambdaRequests = requests * p.lambdaRequest.usd;
  const lambdaDuration = requests * (s.memoryMb / 1024) * (ms / 1000) * p.lambdaArmGbSecond.usd;

  const wcuNeeded = perSecond * m.writeUnitsPerRenewal;
  const minimumCapacity =
    scenario.capacity === "provisioned"
      ? HOURS_PER_MONTH *
        (s.minWriteCapacity * p.dynamoWcuHour.usd + s.minReadCapacity * p.dynamoRcuHour.usd)
      : 0;
  const throughput =
    scenario.capacity === "on-demand"
      ? requests * m.writeUnitsPerRenewal * p.dynamoWriteRequestUnit.usd
      : HOURS_PER_MONTH *
          provisionedUnits(wcuNeeded, s.targetUtilizationPercent, s.minWriteCapacity) *
          p.dynamoWcuHour.usd -
        HOURS_PER_MONTH * s.minWriteCapacity * p.dynamoWcuHour.usd;
  const storageGb = (scenario.nodes * a.itemBytes) / GB;
  const dynamo = throughput + storageGb * (p.dynamoStorageGbMonth.usd + p.dynamoPitrGbMonth.usd);

  const eventBytes = (bytes: number) => bytes + a.logEventOverheadBytes;
  const platformBytes =
    s.logs === "text-info" ? requests * eventBytes(a.platformLogBytesAtInfo) : 0;
  const emfLines =
    s.metrics === "per-invocation"
      ? requests
      : Math.min(requests, warm * (SECONDS_PER_MONTH / a.metricFlushSeconds));
  const logs =
    ((platformBytes + emfLines * eventBytes(a.emfLineBytes)) / GB) * p.logsIngestionGb.usd;

  const responseGb = (requests * (m.heartbeatResponseBytes + a.platformResponseHeaderBytes)) / GB;
  // Through CloudFront a heartbeat also carries its token and body hash in headers; the
  // SigV4 headers of the direct path cost nothing (data into AWS is free).
  const requestGb = (requests * (m.heartbeatRequestBytes + a.cloudFrontAuthHeaderBytes)) / GB;
  const direct = scenario.path === "direct";
  const transfer = direct ? responseGb * p.dataOutInternetGb.usd : 0;
  const cloudFront = direct
    ? 0
    : requests * p.cloudFrontHttpsRequest.usd +
      responseGb * p.cloudFrontDataOutGb.usd +
      requestGb * p.cloudFrontToOriginGb.usd;
  const withWaf = scenario.path === "cloudfront-waf";
  const waf = withWaf ? requests * p.wafRequest.usd : 0;
  const wafMonthly = withWaf ? p.wafWebAclMonth.usd + p.wafRuleMonth.usd : 0;

  const variable: Breakdown = {
    lambdaRequests,
    lambdaDuration,
    dynamo,
    logs,
    transfer,
    cloudFront,
    waf,
  };
  const fixed = fixedMonthly(inputs, warm) + minimumCapacity + wafMonthly;
  const variableTotal = sum(variable);
  return {
    scenario,
    variable,
    variableTotal,
    fixed,
    perNode: (variableTotal + fixed) / scenario.nodes,
  };
}

/** What the stack costs with no node at all: secrets, reconciler, alarms, metrics. */
export function fixedMonthly(inputs: Inputs, warmContainers = 1): number {
  const { prices: p, assumptions: a } = inputs;
  const secrets =
    a.secrets * p.secretMonth.usd +
    warmContainers *
      a.secretReloadsPerContainerHour *
      HOURS_PER_MONTH *
      a.secrets *
      p.secretsApiCall.usd;
  const reconciler =
    a.reconcilerRunsPerMonth *
    (p.lambdaRequest.usd +
      p.schedulerInvocation.usd +
      (a.reconcilerMemoryMb / 1024) * (a.reconcilerBilledMs / 1000) * p.lambdaArmGbSecond.usd);
  const monitoring = a.alarms * p.alarmMonth.usd + a.customMetrics * p.metricMonth.usd;
  return secrets + reconciler + monitoring;
}

/** AWS Cloud Map: one registered instance per node; discovery calls are extra ($1/million). */
export function cloudMapPerNode(prices: Prices): number {
  return prices.cloudMapInstanceMonth.usd;
}

/** A 3-node Consul cluster on t4g.small with gp3 volumes: flat, whatever the fleet. */
export function consulMonthly(prices: Prices, assumptions: Assumptions): number {
  return (
    assumptions.consulNodes *
    (HOURS_PER_MONTH * prices.ec2T4gSmallHour.usd +
      assumptions.consulVolumeGb * prices.ebsGp3GbMonth.usd)
  );
}
