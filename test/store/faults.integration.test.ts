import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { startDynamoDBLocal } from "../../scripts/engines/dynamodb-local.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { DynamoStore } from "../../shared/store/dynamodb/store.js";
import { ensureTable } from "../../shared/store/dynamodb/table.js";
import { openSqlite } from "../../shared/store/sqlite/index.js";
import type { Store } from "../../shared/store/store.js";
import { json, TOKEN_A } from "../support/registry.js";

const AUTH = { Authorization: `Bearer ${TOKEN_A}` };

function appOver(client: DynamoDBClient, tableName: string) {
  return appOverStore(new DynamoStore({ client, tableName }));
}

function appOverStore(store: Store) {
  const app = createApp({ store, tokens: new TokenSet([TOKEN_A]) });
  const heartbeat = (id: string) =>
    app.request("/v1/services/svc/heartbeats", {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ id, address: "10.0.0.1:80" }),
    });
  const get = (path: string) => app.request(path, { headers: AUTH });
  return { app, heartbeat, get };
}

async function expect503(res: Response) {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect((await json(res)).error.code).toBe("store_unavailable");
}

describe("a store that goes away and comes back", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("answers writes 503 with Retry-After while another connection holds SQLite's write lock, keeps what it acknowledged, and recovers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-fault-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "muster.db");
    const sqlite = openSqlite(path, { sweepIntervalMs: 0, busyTimeoutMs: 200 });
    cleanup.push(async () => sqlite.close());
    const r = appOverStore(sqlite.store);
    expect((await r.heartbeat("before")).status).toBe(201);

    // Someone else (a backup, the sqlite3 shell) takes the write lock and keeps it.
    const other = new DatabaseSync(path);
    cleanup.push(async () => other.close());
    other.exec("BEGIN IMMEDIATE");
    await expect503(await r.heartbeat("during"));
    await expect503(
      await r.app.request("/v1/services/svc/instances/before", { method: "DELETE", headers: AUTH }),
    );
    // WAL: readers are not blocked by a writer, so reads go on being served.
    expect((await r.get("/v1/services/svc/peers.json")).status).toBe(200);
    expect((await r.app.request("/health")).status).toBe(200);

    other.exec("ROLLBACK");
    expect((await r.heartbeat("after")).status).toBe(201);
    const body = await json(await r.get("/v1/services/svc/instances"));
    // The heartbeat acknowledged before the lock is still there; the refused one never was.
    expect(body.instances.map((i: { id: string }) => i.id)).toEqual(["after", "before"]);
  });

  it("answers 503 while DynamoDB Local is down and recovers when it is back", async () => {
    let engine = await startDynamoDBLocal();
    cleanup.push(() => engine.stop());
    const port = Number(new URL(engine.endpoint).port);
    const client = createDynamoClient({ endpoint: engine.endpoint });
    cleanup.push(async () => client.destroy());
    await ensureTable(client, "muster");
    const r = appOver(client, "muster");
    expect((await r.heartbeat("before")).status).toBe(201);

    await engine.stop();
    await expect503(await r.heartbeat("during"));
    await expect503(await r.get("/v1/services/svc/srv"));

    // In-memory engine: it comes back empty, as a recreated table would.
    engine = await startDynamoDBLocal({ port });
    await expect503(await r.app.request("/health")); // up, but no table yet
    await ensureTable(client, "muster");
    expect((await r.app.request("/health")).status).toBe(200);
    expect((await r.heartbeat("after")).status).toBe(201);
    // Two JVM starts: most of the time, and the part that slows most on a busy machine.
  }, 90_000);
});

describe("a throttled store", () => {
  // No engine throttles on demand; this is the one place a mock stands in for DynamoDB. The
  // client points at a closed loopback port, so a call the mock missed fails here, not on AWS.
  const deadClient = () => createDynamoClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });

  it("answers 503 with Retry-After: 1 to writes and reads", async () => {
    const client = deadClient();
    const mock = mockClient(DynamoDBDocumentClient);
    const throttled = Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ProvisionedThroughputExceededException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    mock.on(UpdateCommand).rejects(throttled);
    mock
      .on(QueryCommand)
      .rejects(
        Object.assign(new Error("Throttled"), { name: "ThrottlingException", $fault: "client" }),
      );
    const r = appOver(client, "muster");

    const write = await r.heartbeat("a");
    await expect503(write);
    expect(write.headers.get("retry-after")).toBe("1");
    const read = await r.get("/v1/services/svc/peers.txt");
    await expect503(read);
    expect(read.headers.get("retry-after")).toBe("1");
    mock.restore();
  });

  it("does not disguise a bug as an outage", async () => {
    const client = deadClient();
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(UpdateCommand).rejects(
      Object.assign(new Error("Invalid UpdateExpression"), {
        name: "ValidationException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const res = await appOver(client, "muster").heartbeat("a");
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({ error: { code: "internal", message: "internal error" } });
    mock.restore();
  });
});
