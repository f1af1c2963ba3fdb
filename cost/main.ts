/**
 * `npm run cost`: dollars per node-month of a muster fleet from list prices (cost/prices.ts),
 * the measurements `npm run bench` recorded (cost/measured.json) and the stack's defaults,
 * next to AWS Cloud Map and a 3-node Consul cluster. Prints markdown.
 */
import { HEARTBEAT_INTERVAL_DEFAULT, TTL_DEFAULT } from "../shared/model/heartbeat.js";
import { CONSUL_REASK_SECONDS_DEFAULT, LAMBDA_MAX_WAIT_SECONDS } from "../shared/settings/api.js";
import { ASSUMPTIONS } from "./assumptions.js";
import { LOOPS, readConsulMeasured, type WatcherSettings, watcherMonthly } from "./consul.js";
import { readMeasured } from "./measured.js";
import {
  billedMs,
  type Capacity,
  cloudMapPerNode,
  coldStartMs,
  consulMonthly,
  estimate,
  fixedMonthly,
  type Inputs,
  PATHS,
  type Path,
} from "./model.js";
import { PRICES } from "./prices.js";
import { DEFAULT_SETTINGS, PREVIOUS_SETTINGS } from "./settings.js";

const NODES = [1_000, 10_000, 100_000];
const MEMORY_SIZES = [128, 256, 384, 512, 1024];
// The three intervals and the default, in order.
const INTERVALS = [...new Set([10, 30, 60, HEARTBEAT_INTERVAL_DEFAULT])].sort((a, b) => a - b);
const usd = (x: number) => (x < 1 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);

/** The two write paths (and the second behind the optional web ACL), as the table names them. */
const PATH_LABEL: Record<Path, string> = {
  direct: "AWS node: SigV4 → function URL",
  cloudfront: "outside AWS: token → CloudFront (OAC)",
  "cloudfront-waf": "outside AWS: token → CloudFront + WAF",
};

function table(inputs: Inputs): string[] {
  const rows = [
    "| nodes | interval | capacity | write path | $/node-month | lambda req | lambda GB-s | dynamodb | logs | transfer | cloudfront | waf |",
    "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const nodes of NODES)
    for (const intervalSeconds of INTERVALS)
      for (const capacity of ["on-demand", "provisioned"] as Capacity[])
        for (const path of PATHS) {
          const e = estimate(inputs, { nodes, intervalSeconds, capacity, path });
          const per = (x: number) => usd(x / nodes);
          const v = e.variable;
          rows.push(
            `| ${nodes.toLocaleString("en")} | ${intervalSeconds} s | ${capacity} | ${PATH_LABEL[path]} | ` +
              `**${usd(e.perNode)}** | ${per(v.lambdaRequests)} | ${per(v.lambdaDuration)} | ` +
              `${per(v.dynamo)} | ${per(v.logs)} | ${per(v.transfer)} | ${per(v.cloudFront)} | ${per(v.waf)} |`,
          );
        }
  return rows;
}

/** What memory size buys: duration cost per node against the cold start it leaves. */
function memoryTable(inputs: Inputs): string[] {
  const rows = [
    "| API memory | billed ms/heartbeat | GB-s $/node-month | cold start (est.) |",
    "|---:|---:|---:|---:|",
  ];
  for (const memoryMb of MEMORY_SIZES) {
    const settings = { ...inputs.settings, memoryMb };
    const e = estimate(
      { ...inputs, settings },
      {
        nodes: 10_000,
        intervalSeconds: HEARTBEAT_INTERVAL_DEFAULT,
        capacity: "on-demand",
        path: "direct",
      },
    );
    rows.push(
      `| ${memoryMb} MB | ${billedMs(inputs.measured, settings)} | ${usd(e.variable.lambdaDuration / 10_000)} | ` +
        `${coldStartMs(inputs.measured, memoryMb)} ms |`,
    );
  }
  return rows;
}

/**
 * A Consul watcher on Lambda, per client loop and deployment setting: what an idle watcher
 * costs a month, and the most any client that waits a second after a refusal can cost.
 */
function consulTable(settings: Inputs["settings"]): string[] {
  let m: ReturnType<typeof readConsulMeasured>;
  try {
    m = readConsulMeasured();
  } catch (err) {
    return [`Consul watchers: ${(err as Error).message}`];
  }
  const base = (waitSeconds: number, reaskSeconds: number): WatcherSettings => ({
    waitSeconds,
    reaskSeconds,
    memoryMb: settings.memoryMb,
    dynamoLatencyMs: settings.dynamoLatencyMs,
    pollSeconds: 1,
    keptViewSeconds: 30,
  });
  const rows = [
    `| Consul watcher (one service of ${m.instances} instances, nothing changing) | MUSTER_MAX_WAIT_SECONDS | MUSTER_CONSUL_REASK_SECONDS | asks/hour (answered + 429) | held | $/watcher-month |`,
    "|---|---:|---:|---:|---:|---:|",
  ];
  const settingsList: [number, number][] = [
    [0, CONSUL_REASK_SECONDS_DEFAULT],
    [0, 5],
    [LAMBDA_MAX_WAIT_SECONDS, CONSUL_REASK_SECONDS_DEFAULT],
    [LAMBDA_MAX_WAIT_SECONDS, 60],
  ];
  for (const [wait, reask] of settingsList) {
    for (const loop of [LOOPS.goWatchPlan, LOOPS.prometheus, LOOPS.eager]) {
      const e = watcherMonthly(loop, base(wait, reask), m, PRICES);
      const name = loop === LOOPS.eager ? `**cap**: ${loop.name}` : loop.name;
      rows.push(
        `| ${name} | ${wait} | ${reask} | ${Math.round(e.askedPerHour).toLocaleString("en")} | ` +
          `${(e.heldShare * 100).toFixed(0)} % | ${loop === LOOPS.eager ? "**" : ""}${usd(e.perMonth)}${loop === LOOPS.eager ? "**" : ""} |`,
      );
    }
  }
  const cap = watcherMonthly(LOOPS.eager, base(0, CONSUL_REASK_SECONDS_DEFAULT), m, PRICES);
  return [
    ...rows,
    "",
    `Consul watcher cap at the defaults (MUSTER_MAX_WAIT_SECONDS 0, MUSTER_CONSUL_REASK_SECONDS ${CONSUL_REASK_SECONDS_DEFAULT}): ` +
      `${usd(cap.perMonth)} per watcher-month for any client that waits at least 1 s after a 429 ` +
      `(measured on ${m.engine} ${m.measuredAt}: ${m.healthCpuMs.toFixed(2)} ms CPU per answer). ` +
      "A held second costs the function's memory for that second: holding (MUSTER_MAX_WAIT_SECONDS) buys latency with money.",
  ];
}

/** What a node outside AWS pays more, writing through CloudFront (and its web ACL). */
function cloudFrontAdds(inputs: Inputs): string[] {
  const at = (nodes: number, path: Path) =>
    estimate(inputs, {
      nodes,
      intervalSeconds: HEARTBEAT_INTERVAL_DEFAULT,
      capacity: "on-demand",
      path,
    }).perNode;
  return NODES.map((nodes) => {
    const direct = at(nodes, "direct");
    return (
      `Through CloudFront at ${nodes.toLocaleString("en")} nodes (${HEARTBEAT_INTERVAL_DEFAULT} s, on-demand): ` +
      `+${usd(at(nodes, "cloudfront") - direct)}/node-month over SigV4 to the function URL; ` +
      `with the web ACL +${usd(at(nodes, "cloudfront-waf") - direct)}.`
    );
  });
}

function main(): number {
  const measured = readMeasured();
  const inputs: Inputs = {
    prices: PRICES,
    measured,
    assumptions: ASSUMPTIONS,
    settings: DEFAULT_SETTINGS,
  };
  const previous: Inputs = { ...inputs, settings: PREVIOUS_SETTINGS };
  const s = DEFAULT_SETTINGS;
  const goal = (capacity: Capacity, limit: number) =>
    NODES.every(
      (nodes) =>
        estimate(inputs, {
          nodes,
          intervalSeconds: HEARTBEAT_INTERVAL_DEFAULT,
          capacity,
          path: "direct",
        }).perNode <= limit,
    );
  const lines = [
    `muster cost model: us-east-1 list prices checked ${PRICES.lambdaRequest.checked} (cost/prices.ts); ` +
      `measurements from ${measured.engine} on ${measured.measuredAt} (${measured.machine}).`,
    "",
    `Defaults: heartbeat every ${HEARTBEAT_INTERVAL_DEFAULT} s with ttl ${TTL_DEFAULT} s, nodes in AWS ` +
      `signing their writes to the AWS_IAM function URL, API ${s.memoryMb} MB arm64, JSON logs at WARN, metrics flushed every ` +
      `${ASSUMPTIONS.metricFlushSeconds} s per container, provisioned target ${s.targetUtilizationPercent} %.`,
    `Per heartbeat: ${measured.writeUnitsPerRenewal} write unit(s) (measured), ` +
      `${measured.heartbeatCpuMs.toFixed(2)} ms CPU (measured) + ${s.dynamoLatencyMs} ms DynamoDB (assumed), ` +
      `${measured.heartbeatRequestBytes} B up / ${measured.heartbeatResponseBytes} B down (measured).`,
    `Bundle ${(measured.bundleMinifiedBytes / 1024).toFixed(0)} KiB minified; cold import and first request ` +
      `${measured.coldStartMs.toFixed(0)} ms on one core, about ${coldStartMs(measured, s.memoryMb)} ms ` +
      `at ${s.memoryMb} MB.`,
    "",
    "$/node-month includes the fixed cost spread over the fleet; the other columns are the variable cost per node.",
    "",
    ...table(inputs),
    "",
    ...memoryTable(inputs),
    "",
    `Fixed monthly cost (secrets, reconciler every minute, alarms, custom metrics): ${usd(fixedMonthly(inputs))}; ` +
      `provisioned capacity adds its minimum of ${s.minWriteCapacity} WCU + ${s.minReadCapacity} RCU.`,
    `AWS Cloud Map: ${usd(cloudMapPerNode(PRICES))} per instance-month, plus $1.00 per million discovery calls.`,
    `Consul, ${ASSUMPTIONS.consulNodes} × t4g.small + ${ASSUMPTIONS.consulVolumeGb} GB gp3: ` +
      `${usd(consulMonthly(PRICES, ASSUMPTIONS))} a month flat = ` +
      NODES.map(
        (n) => `${usd(consulMonthly(PRICES, ASSUMPTIONS) / n)}/node at ${n.toLocaleString("en")}`,
      ).join(", ") +
      ".",
    "",
    `Previous defaults (10 s, 512 MB, text logs, EMF per invocation), 10,000 nodes, direct, on-demand: ` +
      `${usd(estimate(previous, { nodes: 10_000, intervalSeconds: 10, capacity: "on-demand", path: "direct" }).perNode)}/node-month.`,
    "",
    ...cloudFrontAdds(inputs),
    "",
    `Goal ≤ $0.10/node-month on-demand at 1,000 nodes and up (AWS nodes, SigV4 to the function URL): ${goal("on-demand", 0.1) ? "met" : "NOT met"}.`,
    `Goal ≤ $0.04/node-month provisioned at 1,000 nodes and up: ${goal("provisioned", 0.04) ? "met" : "NOT met"}.`,
    "",
    ...consulTable(s),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

process.exitCode = main();
