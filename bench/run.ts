/**
 * `npm run bench`: local mode (SQLite) side by side with etcd, then what muster adds on top
 * of DynamoDB. Heartbeat and peers.json latency
 * through the HTTP app against the raw DynamoDB calls they make, the capacity units each
 * consumes, and the size and cold import time of the Lambda bundle. Prints a markdown table;
 * progress goes to stderr so stdout is only the result.
 */
import { cpus } from "node:os";
import { type ConsulMeasured, writeConsulMeasured } from "../cost/consul.js";
import { applyAwsTestEnv } from "../scripts/engines/aws-env.js";
import {
  BUNDLE_GOAL_BYTES,
  type BundleResult,
  benchBundle,
  COLD_IMPORT_GOAL_MS,
} from "./bundle.js";
import { benchCapacity, type CapacityResult, type Consumed } from "./capacity.js";
import { benchConsulLocal, WAKE_GOAL_MS, WATCHERS, WATCHERS_RSS_GOAL_BYTES } from "./consul.js";
import { benchConsulCapacity } from "./consul-capacity.js";
import { planEngines, startEngine } from "./engines.js";
import { openContext, seedService } from "./fixture.js";
import { benchHeartbeat, type HeartbeatResult } from "./heartbeat.js";
import { benchLocal, renderLocal } from "./local.js";
import { measureHeartbeatWire, peersSizes, writeMeasured } from "./measured.js";
import { type BenchOptions, type EngineName, parseOptions, USAGE, UsageError } from "./options.js";
import { benchPeers, PEERS_SERVICE, PEERS_TTL, type PeersResult } from "./peers.js";
import type { Summary } from "./stats.js";
import { bytes, ms, NONE, type Row, ratio, renderTable } from "./table.js";

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface EngineResults {
  engine: EngineName;
  heartbeat: HeartbeatResult;
  peers: PeersResult;
  capacity: CapacityResult;
  wire: Awaited<ReturnType<typeof measureHeartbeatWire>>;
  sizes: Awaited<ReturnType<typeof peersSizes>>;
  consul: ConsulMeasured;
}

async function benchEngine(engine: EngineName, options: BenchOptions): Promise<EngineResults> {
  progress(`starting ${engine}`);
  const running = await startEngine(engine);
  const ctx = await openContext(engine, running.endpoint).catch(async (err) => {
    await running.stop();
    throw err;
  });
  try {
    progress(`${engine}: registering ${options.instances} instances in ${PEERS_SERVICE}`);
    await seedService(ctx, PEERS_SERVICE, options.instances, PEERS_TTL);
    progress(`${engine}: ${options.heartbeatWarmup} + ${options.heartbeats} heartbeats`);
    const heartbeat = await benchHeartbeat(ctx, options);
    progress(`${engine}: ${options.peersWarmup} + ${options.peersReads} peers.json reads`);
    const peers = await benchPeers(ctx, options);
    progress(`${engine}: consumed capacity`);
    const capacity = await benchCapacity(ctx);
    progress(`${engine}: heartbeat bytes on the wire and CPU per heartbeat`);
    const wire = await measureHeartbeatWire(ctx, options.heartbeats);
    const sizes = await peersSizes(ctx, options.instances);
    progress(`${engine}: what a Consul watcher's calls consume`);
    const consul = await benchConsulCapacity(ctx, 200);
    return { engine, heartbeat, peers, capacity, wire, sizes, consul };
  } finally {
    ctx.close();
    await running.stop();
  }
}

function latencyRows(
  engine: string,
  what: string,
  ours: Summary,
  referenceWhat: string,
  reference: Summary,
): Row[] {
  return [
    {
      what,
      engine,
      median: ms(ours.median),
      p99: ms(ours.p99),
      reference: referenceWhat,
      referenceMedian: ms(reference.median),
      ratio: ratio(ours.median, reference.median),
    },
    {
      what: referenceWhat,
      engine,
      median: ms(reference.median),
      p99: ms(reference.p99),
      reference: NONE,
      referenceMedian: NONE,
      ratio: NONE,
    },
  ];
}

const units = (value: number | undefined) => (value === undefined ? "n/a" : String(value));

function capacityRow(
  engine: string,
  what: string,
  ours: Consumed,
  referenceWhat: string,
  reference: number | undefined,
): Row {
  return {
    what: ours.detail ? `${what} (${ours.detail})` : what,
    engine,
    median: units(ours.total),
    p99: NONE,
    reference: referenceWhat,
    referenceMedian: units(reference),
    ratio:
      ours.total === undefined || reference === undefined ? NONE : ratio(ours.total, reference),
  };
}

function engineRows(r: EngineResults, options: BenchOptions): Row[] {
  const n = options.instances.toLocaleString("en");
  const c = r.capacity;
  return [
    ...latencyRows(
      r.engine,
      "heartbeat renewal (new metadata.seq), POST through the app",
      r.heartbeat.app,
      "raw UpdateItem (same item, condition)",
      r.heartbeat.raw,
    ),
    ...latencyRows(
      r.engine,
      `peers.json of ${n} instances through the app (${bytes(r.peers.bodyBytes)})`,
      r.peers.app,
      "raw 8 parallel Queries (consistent, filtered)",
      r.peers.raw,
    ),
    capacityRow(
      r.engine,
      "write units, heartbeat renewal",
      c.renewal,
      "raw UpdateItem",
      c.rawRenewal,
    ),
    capacityRow(
      r.engine,
      "write units, first heartbeat of a service's first id",
      c.firstHeartbeat,
      "raw UpdateItem",
      c.rawFirst,
    ),
    capacityRow(
      r.engine,
      "write units, first heartbeat of a further id",
      c.nextHeartbeat,
      "raw UpdateItem",
      c.rawFirst,
    ),
    capacityRow(
      r.engine,
      `read units, peers.json of ${n} instances`,
      c.peers,
      `raw Queries (${c.rawPeersCalls} calls)`,
      c.rawPeers,
    ),
  ];
}

function bundleRows(b: BundleResult, coldRuns: number): Row[] {
  return [
    {
      what: "Lambda bundle of functions/api.ts, minified",
      engine: NONE,
      median: bytes(b.minifiedBytes),
      p99: NONE,
      reference: "goal",
      referenceMedian: bytes(BUNDLE_GOAL_BYTES),
      ratio: ratio(b.minifiedBytes, BUNDLE_GOAL_BYTES),
    },
    {
      what: "Lambda bundle, gzip -9",
      engine: NONE,
      median: bytes(b.gzipBytes),
      p99: NONE,
      reference: "minified bundle",
      referenceMedian: bytes(b.minifiedBytes),
      ratio: ratio(b.gzipBytes, b.minifiedBytes),
    },
    {
      what: `cold import of the bundle, fresh node process (${coldRuns} run${coldRuns === 1 ? "" : "s"})`,
      engine: NONE,
      median: ms(b.coldImport.median),
      p99: ms(b.coldImport.p99),
      reference: "import of a one-line module",
      referenceMedian: ms(b.trivialImport.median),
      ratio: ratio(b.coldImport.median, b.trivialImport.median),
    },
    {
      what: "first request after the cold import (401, no store call), same process",
      engine: NONE,
      median: ms(b.firstRequest.median),
      p99: ms(b.firstRequest.p99),
      reference: "cold import of the bundle",
      referenceMedian: ms(b.coldImport.median),
      ratio: ratio(b.firstRequest.median, b.coldImport.median),
    },
    {
      what: "cold import + first request, per process",
      engine: NONE,
      median: ms(b.coldStart.median),
      p99: ms(b.coldStart.p99),
      reference: "cold import of the bundle",
      referenceMedian: ms(b.coldImport.median),
      ratio: ratio(b.coldStart.median, b.coldImport.median),
    },
    {
      what: "cold import of the bundle, against the goal",
      engine: NONE,
      median: ms(b.coldImport.median),
      p99: ms(b.coldImport.p99),
      reference: "goal",
      referenceMedian: ms(COLD_IMPORT_GOAL_MS),
      ratio: ratio(b.coldImport.median, COLD_IMPORT_GOAL_MS),
    },
  ];
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The engines take any credentials; fixed fake ones keep a real account out of reach.
  applyAwsTestEnv();

  const started = performance.now();
  const local = await benchLocal(options.localRequests);
  const consulLocal = await benchConsulLocal();
  const plan = planEngines(options.engine);
  const notes = [...plan.notes];
  const rows: Row[] = [];
  const results: EngineResults[] = [];
  for (const engine of plan.engines) {
    try {
      const result = await benchEngine(engine, options);
      results.push(result);
      rows.push(...engineRows(result, options));
    } catch (err) {
      if (!(plan.optional && engine === "dynamodb-local")) throw err;
      notes.push(`DynamoDB Local did not run, so no DynamoDB figures: ${(err as Error).message}`);
    }
  }
  const peers = results[0]?.peers;
  if (peers) {
    // 6 MB is what a buffered (non-streaming) Lambda response may carry.
    const perInstance = peers.bodyBytes / options.instances;
    notes.push(
      `peers.json is ${perInstance.toFixed(0)} bytes per instance, so a 6 MB Lambda response ` +
        `holds about ${Math.floor((6 * 1024 * 1024) / perInstance).toLocaleString("en")} instances.`,
    );
  }
  for (const { engine, capacity: c } of results) {
    const reported = [c.renewal.total, c.firstHeartbeat.total, c.peers.total, c.rawRenewal];
    if (reported.some((units) => units === undefined)) {
      notes.push(`${engine} returned no ConsumedCapacity for some calls: those units are n/a.`);
    }
  }

  progress(`bundling functions/api.ts and importing it ${options.coldRuns} times`);
  const bundle = await benchBundle(options.coldRuns);
  rows.push(...bundleRows(bundle, options.coldRuns));
  notes.push(
    `Cold import is measured on this machine's Node ${process.version} (Lambda runs nodejs24.x) ` +
      "and covers module evaluation only, not the Lambda runtime's own start. The first " +
      "request loads what the import left for later (undici, behind the Request and Response " +
      "the app answers with), so read the cold import and the cold start together.",
  );
  notes.push(
    `Bundle by package: ${bundle.largest.map((p) => `${p.path} ${bytes(p.bytes)}`).join(", ")}.`,
  );

  // The cost model prices DynamoDB Local's units (it reports them as DynamoDB does).
  const priced = results.find((r) => r.engine === "dynamodb-local") ?? results[0];
  if (priced && priced.capacity.renewal.total !== undefined) {
    writeMeasured({
      engine: priced.engine,
      capacity: priced.capacity,
      heartbeat: priced.heartbeat,
      wire: priced.wire,
      peers: priced.sizes,
      instances: options.instances,
      bundle,
    });
    notes.push(
      `Wrote cost/measured.json from ${priced.engine} (npm run cost reads it): ` +
        `${priced.wire.cpuMs.toFixed(2)} ms CPU, ${priced.wire.requestBytes} B up and ` +
        `${priced.wire.responseBytes} B down per heartbeat; peers.json gzip ` +
        `${priced.sizes.gzipPerInstance.toFixed(0)} B per instance.`,
    );
  }

  if (priced) {
    writeConsulMeasured(priced.consul);
    notes.push("Wrote cost/consul-measured.json (a Consul watcher's calls, for npm run cost).");
  }
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const consulRows = [
    "| Consul API, local mode | measured | goal |",
    "|---|---:|---:|",
    `| blocking health query answered after a check update (write included), median / p99 of ${consulLocal.wake.samples} | ${ms(consulLocal.wake.median)} / ${ms(consulLocal.wake.p99)} | ≤ ${WAKE_GOAL_MS} ms |`,
    `| server RSS added by ${WATCHERS.toLocaleString("en")} blocked health queries | ${mib(consulLocal.watchers.rssBytes)} | ≤ ${mib(WATCHERS_RSS_GOAL_BYTES)} |`,
    `| the same, from the update's acknowledgement (0 when the blocked answer came first), median / p99 | ${ms(consulLocal.afterAck.median)} / ${ms(consulLocal.afterAck.p99)} | ≤ ${WAKE_GOAL_MS} ms |`,
    `| all ${WATCHERS.toLocaleString("en")} answered with the new index after one update | ${consulLocal.watchers.allWoke ? "yes" : "NO"}, in ${ms(consulLocal.watchers.wokeInMs)} | all |`,
  ];

  const cpu = cpus();
  const lines = [
    `Local mode: muster serve over SQLite, etcd and NSD, each on 127.0.0.1, ${options.localRequests} ` +
      "requests per heartbeat round (half that for muster's list reads, a tenth for etcd's), the same node:http keep-alive " +
      "client for muster and etcd (bench/http-client.ts), dnsperf for muster's DNS and NSD.",
    "",
    renderLocal(local.rows),
    "",
    ...local.notes.map((n) => `Note: ${n}`),
    "",
    ...consulRows,
    "",
    `muster bench: ${options.heartbeats} heartbeats after ${options.heartbeatWarmup} warm-up, ` +
      `${options.peersReads} peers.json reads after ${options.peersWarmup} warm-up, ` +
      `app and raw interleaved; engines on 127.0.0.1; p99 is nearest-rank.`,
    "",
    renderTable(rows),
    "",
    `Machine: ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ` +
      `Node ${process.version}, ${process.platform}/${process.arch}; ` +
      `run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    ...notes.map((n) => `Note: ${n}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

process.exitCode = await main();
