import { DatabaseSync } from "node:sqlite";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it, onTestFinished } from "vitest";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { databasePath } from "../../shared/store/sqlite/index.js";
import type { ReconcileState, Store } from "../../shared/store/store.js";
import { engine, engines } from "../engines/index.js";
import { instanceFields } from "../support/instances.js";
import { freshStorage, type TestStorage } from "../support/stores.js";

const FIELDS = instanceFields({
  address: "10.0.0.5:7946",
  direct_addresses: ["10.0.0.5:7946"],
  metadata: { ec2_instance_id: "i-0123456789abcdef0" },
});

describe.each(engines())("the reconciler's side of the store on $name", (engine) => {
  const fresh = async () => (await freshStorage(engine)).store;

  it("writes a source's instance under an owner no token can be, and never over a live heartbeat", async () => {
    const store = await fresh();
    const t0 = Date.now();
    const sourced = {
      service: "engram",
      id: "i-0123456789abcdef0",
      fields: FIELDS,
      source: "ec2" as const,
      leaseSeconds: 180,
      registeredAtMs: t0,
      nowMs: t0,
    };
    expect(await store.upsertSourced(sourced)).toBe("written");
    const [listed] = await store.list("engram", t0);
    expect(listed).toMatchObject({
      source: "ec2",
      registered_by: "source:ec2",
      address: "10.0.0.5:7946",
    });
    expect(Date.parse(listed?.expires_at ?? "")).toBe(Math.floor((t0 + 180_000) / 1000) * 1000);
    expect(await store.serviceNames()).toEqual(["engram"]);

    // A token's heartbeat for that id is refused, whoever the token is.
    const hb = await store.heartbeat({
      service: "engram",
      id: sourced.id,
      fields: FIELDS,
      ttl: 30,
      owner: "tok_0123456789abcdef",
      source: "heartbeat",
      nowMs: t0 + 1_000,
    });
    expect(hb.kind).toBe("conflict");
    expect(await store.deregister("engram", sourced.id, "tok_0123456789abcdef", t0)).toBe(
      "forbidden",
    );

    // The other way round: a live heartbeat keeps its id; an expired one gives it up.
    await store.heartbeat({
      service: "engram",
      id: "node-1",
      fields: FIELDS,
      ttl: 30,
      owner: "tok_0123456789abcdef",
      source: "heartbeat",
      nowMs: t0,
    });
    expect(await store.upsertSourced({ ...sourced, id: "node-1", source: "cloudmap" })).toBe(
      "conflict",
    );
    expect(
      await store.upsertSourced({
        ...sourced,
        id: "node-1",
        source: "cloudmap",
        nowMs: t0 + 31_000,
      }),
    ).toBe("written");
    // A source owns its own instances only.
    expect(await store.upsertSourced({ ...sourced, source: "cloudmap", nowMs: t0 + 1_000 })).toBe(
      "conflict",
    );
  });

  it("removes an instance only while it matches what the caller saw", async () => {
    const store = await fresh();
    const t0 = Date.now();
    await store.heartbeat({
      service: "engram",
      id: "node-1",
      fields: FIELDS,
      ttl: 30,
      owner: "tok_0123456789abcdef",
      source: "heartbeat",
      nowMs: t0,
    });
    expect(await store.remove("engram", "node-1", { owner: "tok_ffffffffffffffff" })).toBe(false);
    expect(
      await store.remove("engram", "node-1", {
        metadata: { ec2_instance_id: "i-00000000000000000" },
      }),
    ).toBe(false);
    expect(
      await store.remove("engram", "node-1", {
        owner: "tok_0123456789abcdef",
        metadata: { ec2_instance_id: "i-0123456789abcdef0" },
      }),
    ).toBe(true);
    expect(await store.list("engram", t0)).toEqual([]);
    expect(await store.remove("engram", "node-1", {})).toBe(false);
  });

  it("keeps the reconcile state of each source", async () => {
    const store = await fresh();
    await writeStates(store);
    const states = await store.reconcileStates();
    expect(states.map((s) => s.name)).toEqual(["cloudmap", "ec2"]);
    expect(states[1]).toMatchObject({ instances: 4, ok: false });
    expect(states[1]?.error).toHaveLength(2048);
  });
});

/** Two sources' states, the second written twice; its error is cut to 2048 characters. */
async function writeStates(store: Store): Promise<void> {
  const ec2: ReconcileState = {
    name: "ec2",
    enabled: true,
    last_run: 1_700_000_000_000,
    next_run: 1_700_000_060_000,
    ok: false,
    error: `UnauthorizedOperation: ${"x".repeat(5_000)}`,
    found: null,
    instances: 3,
    accepted: 3,
    held_passes: 0,
  };
  const off: ReconcileState = { ...ec2, name: "cloudmap", enabled: false, ok: null, error: null };
  await store.putReconcileState(ec2);
  await store.putReconcileState(off);
  await store.putReconcileState({ ...ec2, instances: 4 });
}

/**
 * A state row as some other version might have left it (no `enabled`, a string count) is
 * dropped, not served. Written through each engine's own raw access, so one test per engine.
 */
describe("the reconciler's state ignores an item it cannot read", () => {
  const ignoresLegacy = async (storage: TestStorage, writeLegacy: () => Promise<void>) => {
    await writeStates(storage.store);
    await writeLegacy();
    expect((await storage.store.reconcileStates()).map((s) => s.name)).toEqual(["cloudmap", "ec2"]);
  };

  it("on dynamodb-local", async () => {
    const dynamo = engine("dynamodb-local");
    const storage = await freshStorage(dynamo);
    const client = createDynamoClient({ endpoint: dynamo.endpoint, region: "us-east-1" });
    onTestFinished(() => client.destroy());
    await ignoresLegacy(storage, async () => {
      await client.send(
        new PutItemCommand({
          TableName: storage.settings.tableName,
          Item: { pk: { S: "reconcile" }, sk: { S: "legacy" }, instances: { S: "many" } },
        }),
      );
    });
  });

  it("on sqlite", async () => {
    const storage = await freshStorage(engine("sqlite"));
    await ignoresLegacy(storage, async () => {
      const db = new DatabaseSync(databasePath(storage.settings.dataDir));
      db.exec("PRAGMA busy_timeout = 5000");
      db.prepare("INSERT INTO reconcile_states (name, state) VALUES (?, ?)").run(
        "legacy",
        JSON.stringify({ instances: "many" }),
      );
      db.close();
    });
  });
});
