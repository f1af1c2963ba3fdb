import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fingerprint, TokenSet } from "../shared/auth/tokens.js";
import { createApp } from "../shared/http/app.js";
import { createDynamoClient, documentClient } from "../shared/store/dynamodb/client.js";
import { DynamoStore, type DynamoStoreOptions } from "../shared/store/dynamodb/store.js";
import { ensureTable } from "../shared/store/dynamodb/table.js";
import type { EngineName } from "./options.js";

export const TOKEN = "muster-bench-token-0123456789abcdef";
export const AUTHORIZATION = `Bearer ${TOKEN}`;
/** Absolute URLs for `app.request`; the host is never contacted. */
export const ORIGIN = "http://muster.bench";

export type App = ReturnType<typeof createApp>;

/** One engine's table, with the app and the raw client both pointed at it. */
export interface BenchContext {
  engine: EngineName;
  tableName: string;
  client: DynamoDBClient;
  /** The same document client settings the store uses, for the raw reference calls. */
  doc: DynamoDBDocumentClient;
  /** Fingerprint of TOKEN: what the store records as the owner. */
  owner: string;
  /** The app as Lambda and local mode build it: no capacity hook. */
  app: App;
  /** The app over a store with extra options (the capacity hook). */
  appWith(options: Pick<DynamoStoreOptions, "onConsumedCapacity">): App;
  close(): void;
}

export async function openContext(engine: EngineName, endpoint: string): Promise<BenchContext> {
  // The client the Lambda entry makes (createDynamoClient), only pointed at the engine.
  const client = createDynamoClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
  const tableName = `muster-bench-${Date.now().toString(36)}`;
  await ensureTable(client, tableName);
  const tokens = new TokenSet([TOKEN]);
  const appWith = (options: Pick<DynamoStoreOptions, "onConsumedCapacity">) =>
    createApp({ store: new DynamoStore({ client, tableName, ...options }), tokens });
  return {
    engine,
    tableName,
    client,
    doc: documentClient(client),
    owner: fingerprint(TOKEN),
    app: appWith({}),
    appWith,
    close: () => client.destroy(),
  };
}

/**
 * A heartbeat body the size of a real Blixard node's: every field set, so the stored item is
 * the full shape. `seq` goes into metadata, so bumping it changes the content hash and lets a
 * renewal through the ttl/10 floor.
 */
export function heartbeatJson(index: number, seq: number, ttl: number) {
  const a = (index >> 8) & 255;
  const b = index & 255;
  return {
    id: instanceId(index),
    address: `10.20.${a}.${b}:7000`,
    direct_addresses: [`10.20.${a}.${b}:7001`, `[fd00::${a.toString(16)}:${b.toString(16)}]:7001`],
    relay_url: "https://relay.muster.example/",
    iroh_node_id: irohKey(index),
    cluster_node_id: index + 1,
    tags: ["blixard", `zone-${index % 3}`],
    metadata: { zone: `eu-west-1${"abc"[index % 3]}`, seq: String(seq) },
    version: "0.9.4",
    weight: 1,
    status: "passing" as const,
    ttl,
  };
}

export type HeartbeatJson = ReturnType<typeof heartbeatJson>;

const irohKeys = new Map<number, string>();

/**
 * A real Iroh node id (the registry checks it is an Ed25519 key), from a pool of 256 so that
 * making thousands of bodies costs no time the benchmark would measure.
 */
export function irohKey(index: number): string {
  const slot = index & 255;
  let key = irohKeys.get(slot);
  if (key === undefined) {
    key = Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(slot))).toString("base64");
    irohKeys.set(slot, key);
  }
  return key;
}

export function instanceId(index: number): string {
  return `node-${String(index).padStart(5, "0")}`;
}

export async function postHeartbeat(
  app: App,
  service: string,
  body: HeartbeatJson,
): Promise<Response> {
  return await app.request(`${ORIGIN}/v1/services/${service}/heartbeats`, {
    method: "POST",
    headers: { authorization: AUTHORIZATION, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A heartbeat through the app that must be answered with `status`, or the bench stops. */
export async function expectHeartbeat(
  app: App,
  service: string,
  body: HeartbeatJson,
  status: number,
): Promise<void> {
  const res = await postHeartbeat(app, service, body);
  const text = await res.text();
  if (res.status !== status) {
    throw new Error(
      `heartbeat ${service}/${body.id}: expected ${status}, got ${res.status} ${text}`,
    );
  }
}

/** Registers `count` instances through the app, a few at a time. */
export async function seedService(
  ctx: BenchContext,
  service: string,
  count: number,
  ttl: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await expectHeartbeat(ctx.app, service, heartbeatJson(index, 0, ttl), 201);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
