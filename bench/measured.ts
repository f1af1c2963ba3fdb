import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import { MEASURED_FILE, type Measured, measuredSchema } from "../cost/measured.js";
import type { BundleResult } from "./bundle.js";
import type { CapacityResult } from "./capacity.js";
import { AUTHORIZATION, type BenchContext, heartbeatJson, postHeartbeat } from "./fixture.js";
import type { HeartbeatResult } from "./heartbeat.js";
import { getPeers, PEERS_SERVICE } from "./peers.js";

const SERVICE = "bench-wire";

/** An HTTP/1.1 message's size: start line, header lines, blank line, body. */
function wireBytes(start: string, headers: Iterable<[string, string]>, body: string): number {
  let n = Buffer.byteLength(`${start}\r\n`);
  for (const [name, value] of headers) n += Buffer.byteLength(`${name}: ${value}\r\n`);
  return n + 2 + Buffer.byteLength(body);
}

/**
 * Bytes of one heartbeat on the wire both ways (the agent's headers, the app's answer) and the
 * CPU time the process spends on one, averaged over `count` renewals.
 */
export async function measureHeartbeatWire(ctx: BenchContext, count: number) {
  const body = heartbeatJson(0, 0, 300);
  const text = JSON.stringify(body);
  const requestBytes = wireBytes(
    `POST /v1/services/${SERVICE}/heartbeats HTTP/1.1`,
    Object.entries({
      host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
      authorization: AUTHORIZATION,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      accept: "application/json",
      "accept-encoding": "gzip, deflate",
      "user-agent": "muster-agent",
    }),
    text,
  );
  const first = await postHeartbeat(ctx.app, SERVICE, body);
  const answer = await first.text();
  const responseBytes = wireBytes("HTTP/1.1 201 Created", first.headers.entries(), answer);
  const cpuBefore = process.cpuUsage();
  for (let seq = 1; seq <= count; seq++) {
    const res = await postHeartbeat(ctx.app, SERVICE, heartbeatJson(0, seq, 300));
    await res.text();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { requestBytes, responseBytes, cpuMs: (cpu.user + cpu.system) / 1000 / count };
}

export async function peersSizes(ctx: BenchContext, instances: number) {
  const body = await getPeers(ctx.app, PEERS_SERVICE);
  return {
    perInstance: Buffer.byteLength(body) / instances,
    gzipPerInstance: gzipSync(body).length / instances,
  };
}

/** Writes cost/measured.json, the inputs `npm run cost` prices. */
export function writeMeasured(input: {
  engine: string;
  capacity: CapacityResult;
  heartbeat: HeartbeatResult;
  wire: Awaited<ReturnType<typeof measureHeartbeatWire>>;
  peers: Awaited<ReturnType<typeof peersSizes>>;
  instances: number;
  bundle: BundleResult;
}): Measured {
  const { capacity, heartbeat, wire, peers, bundle } = input;
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const measured = measuredSchema.parse({
    measuredAt: new Date().toISOString().slice(0, 10),
    machine: `${cpu}, Node ${process.version}`,
    engine: input.engine,
    writeUnitsPerRenewal: capacity.renewal.total,
    writeUnitsPerCreation: capacity.nextHeartbeat.total,
    heartbeatMedianMs: heartbeat.app.median,
    heartbeatCpuMs: wire.cpuMs,
    heartbeatRequestBytes: wire.requestBytes,
    heartbeatResponseBytes: wire.responseBytes,
    peersReadUnits: capacity.peers.total ?? 0,
    peersInstances: input.instances,
    peersBytesPerInstance: peers.perInstance,
    peersGzipBytesPerInstance: peers.gzipPerInstance,
    bundleMinifiedBytes: bundle.minifiedBytes,
    bundleGzipBytes: bundle.gzipBytes,
    coldStartMs: bundle.coldStart.median,
  });
  writeFileSync(MEASURED_FILE, `${JSON.stringify(measured, null, 2)}\n`);
  return measured;
}
