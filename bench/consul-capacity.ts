/**
 * What a Consul watcher costs on DynamoDB, call by call (DynamoDB Local reports the units as
 * DynamoDB does), for `npm run cost`'s row per watcher: the app as the Lambda builds it, with
 * Consul's blocking queries at their Lambda settings.
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { ConsulMeasured } from "../cost/consul.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { createApp } from "../shared/http/app.js";
import { lambdaConsulBlocking } from "../shared/http/consul/options.js";
import { DynamoStore } from "../shared/store/dynamodb/store.js";
import { type BenchContext, ORIGIN, TOKEN } from "./fixture.js";

const SERVICE = "bench-consul";
export const CONSUL_INSTANCES = 10;

/** The store calls that read; every other one writes (DynamoDB prices the two apart). */
const READS = new Set([
  "changeIndex",
  "changeIndexes",
  "list",
  "record",
  "getAlias",
  "get",
  "claimWatch.read",
]);

export interface Units {
  read: number;
  write: number;
}

/** An app of its own (a container of its own), counting the units of every store call. */
function container(ctx: BenchContext) {
  const units: Units = { read: 0, write: 0 };
  const app = createApp({
    store: new DynamoStore({
      client: ctx.client,
      tableName: ctx.tableName,
      onConsumedCapacity: (op: string, c: ConsumedCapacity) => {
        if (READS.has(op)) units.read += c.CapacityUnits ?? 0;
        else units.write += c.CapacityUnits ?? 0;
      },
    }),
    tokens: new TokenSet([TOKEN]),
    consul: { datacenter: "dc1", blocking: lambdaConsulBlocking(0, 5) },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`${ORIGIN}${path}`, {
      method,
      headers: {
        "X-Consul-Token": TOKEN,
        // As Go's HTTP client (Consul's and Prometheus's) asks for every answer.
        "Accept-Encoding": "gzip",
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      index: Number(res.headers.get("x-consul-index") ?? 0),
      text: bytes.toString(),
      bytes: bytes.length,
    };
  };
  /** The units one call consumed. */
  const units_ = async (method: string, path: string, body?: unknown) => {
    const before = { ...units };
    const res = await call(method, path, body);
    return { ...res, units: { read: units.read - before.read, write: units.write - before.write } };
  };
  return { call, units: units_ };
}

export async function benchConsulCapacity(
  ctx: BenchContext,
  reads: number,
): Promise<ConsulMeasured> {
  const writer = container(ctx);
  for (let i = 0; i < CONSUL_INSTANCES; i++) {
    const res = await writer.call("PUT", "/v1/agent/service/register", {
      Name: SERVICE,
      ID: `${SERVICE}-${i}`,
      Address: `10.1.0.${i + 1}`,
      Port: 8080,
      Tags: ["primary"],
      Check: { TTL: "1h", Status: "passing" },
    });
    if (res.status !== 200) throw new Error(`register: ${res.status} ${res.text}`);
  }
  const health = `/v1/health/service/${SERVICE}`;
  const watcher = container(ctx);
  const cold = await watcher.units("GET", health);
  const warm = await watcher.units("GET", health);
  const granted = await watcher.units("GET", `${health}?index=${cold.index}&wait=1m`);
  const refusedHere = await watcher.units("GET", `${health}?index=${cold.index}&wait=1m`);
  const elsewhere = container(ctx);
  await elsewhere.call("GET", health);
  const refusedThere = await elsewhere.units("GET", `${health}?index=${cold.index}&wait=1m`);
  if (granted.status !== 200 || refusedHere.status !== 429 || refusedThere.status !== 429) {
    throw new Error(`re-asks: ${granted.status}, ${refusedHere.status}, ${refusedThere.status}`);
  }
  const update = await writer.units("PUT", `/v1/agent/check/warn/service:${SERVICE}-0?note=slow`);
  const repeat = await writer.units("PUT", `/v1/agent/check/warn/service:${SERVICE}-0?note=slow`);

  // CPU of one answered health read, the container's view of the service kept (its index read).
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < reads; i++) await watcher.call("GET", health);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    measuredAt: new Date().toISOString().slice(0, 10),
    engine: ctx.engine,
    instances: CONSUL_INSTANCES,
    readUnitsFirstRead: cold.units,
    readUnitsKeptRead: warm.units,
    unitsGrantedReask: granted.units,
    unitsRefusedReaskElsewhere: refusedThere.units,
    unitsRefusedReaskHere: refusedHere.units,
    unitsCheckUpdate: update.units,
    unitsRepeatedPass: repeat.units,
    healthCpuMs: (cpu.user + cpu.system) / 1000 / reads,
    healthResponseBytes: warm.bytes,
  };
}
