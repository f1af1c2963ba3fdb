import { createServer, type Socket } from "node:net";
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import type { InstanceFields } from "../../shared/model/instance.js";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { instanceKey } from "../../shared/store/dynamodb/keys.js";
import { DynamoStore } from "../../shared/store/dynamodb/store.js";
import { StoreUnavailableError } from "../../shared/store/store.js";
import { engine } from "../engines/index.js";
import { freshTable } from "../support/table.js";

/** A heartbeat of the size a Blixard node sends. */
const FIELDS: InstanceFields = {
  address: "192.168.1.10:7001",
  direct_addresses: ["192.168.1.10:7001", "10.0.0.5:7001"],
  relay_url: "https://relay.iroh.network",
  iroh_node_id: "b5e9a0c4f1d2e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8",
  cluster_node_id: 1,
  tags: ["eu-west-1a", "validator"],
  metadata: { ec2_instance_id: "i-0123456789abcdef0", version: "1.4.2" },
  version: "1.4.2",
  weight: 1,
  status: "passing",
};

// Capacity units and item sizes are DynamoDB's; the contract both stores keep is in test/api.
describe.each([engine("dynamodb-local")])("the store's cost on $name", (engine) => {
  it("renews with one write of one unit and no read; registers with two more at most", async () => {
    const { client, tableName } = await freshTable(engine);
    const calls: { operation: string; capacity: ConsumedCapacity }[] = [];
    const store = new DynamoStore({
      client,
      tableName,
      onConsumedCapacity: (operation, capacity) => calls.push({ operation, capacity }),
    });
    const t0 = Date.now();
    const input = {
      service: "blixard",
      id: "node-1",
      fields: FIELDS,
      ttl: 30,
      owner: "tok_a",
      source: "heartbeat" as const,
    };

    // A creation also updates the service's catalog item (its counts, and its change index,
    // which Consul's readers poll): one small write. It used to be a conditional write that
    // failed when no count was kept — billed the same, but reported as nothing.
    expect((await store.heartbeat({ ...input, nowMs: t0 })).kind).toBe("created");
    expect(calls.map((c) => c.operation)).toEqual([
      "heartbeat.catalog",
      "heartbeat",
      "counts.invalidate",
    ]);
    // A second id in the same service: the catalog entry is already written.
    calls.length = 0;
    await store.heartbeat({ ...input, id: "node-2", nowMs: t0 });
    expect(calls.map((c) => c.operation)).toEqual(["heartbeat", "counts.invalidate"]);
    expect(calls.every((c) => c.capacity.CapacityUnits === 1)).toBe(true);

    calls.length = 0;
    expect((await store.heartbeat({ ...input, nowMs: t0 + 10_000 })).kind).toBe("renewed");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.operation).toBe("heartbeat");
    expect(calls[0]?.capacity.CapacityUnits).toBe(1);
    expect(calls[0]?.capacity.ReadCapacityUnits ?? 0).toBe(0);
  });

  it("keeps a Blixard-sized item under 1 KB", async () => {
    const { client, tableName } = await freshTable(engine);
    const store = new DynamoStore({ client, tableName });
    await store.heartbeat({
      service: "blixard",
      id: "node-1",
      fields: FIELDS,
      ttl: 30,
      owner: "tok_0123456789abcdef",
      source: "heartbeat",
      nowMs: Date.now(),
    });
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: instanceKey("blixard", "node-1").pk }, sk: { S: "i#node-1" } },
      }),
    );
    // DynamoDB sizes an item as its attribute names plus values; JSON of the wire form is a
    // generous over-estimate of that.
    expect(JSON.stringify(Item).length).toBeLessThan(1024);
  });
});

describe("a store that accepts connections but never answers", () => {
  it("gives up within its request timeout and reports the store unavailable", async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const client = createDynamoClient({
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      requestTimeoutMs: 300,
    });
    try {
      const store = new DynamoStore({ client, tableName: "muster" });
      const err = await store.list("svc", Date.now()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      client.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
