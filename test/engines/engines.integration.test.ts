import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../shared/store/sqlite/index.js";
import { instanceFields } from "../support/instances.js";
import { freshTable } from "../support/table.js";
import { engine } from "./index.js";

describe("engine dynamodb-local", () => {
  it("round-trips an item through PutItem and GetItem", async () => {
    const { client, tableName } = await freshTable(engine("dynamodb-local"));
    try {
      const key = { pk: { S: "svc#smoke" }, sk: { S: "node#1" } };
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: { ...key, addr: { S: "10.0.0.1" } } }),
      );
      const got = await client.send(
        new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      expect(got.Item?.addr).toEqual({ S: "10.0.0.1" });
    } finally {
      client.destroy();
    }
  });
});

describe("engine sqlite", () => {
  it("serves the same data after the file is closed and opened again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-sqlite-"));
    const path = join(dir, "muster.db");
    const fields = instanceFields({
      address: "10.0.0.1:80",
      // Keys that are special to JavaScript objects are data here.
      metadata: JSON.parse('{"constructor":"x","__proto__":"y"}') as Record<string, string>,
    });
    try {
      const first = openSqlite(path, { sweepIntervalMs: 0 });
      const nowMs = Date.now();
      await first.store.heartbeat({
        service: "svc",
        id: "n1",
        fields,
        ttl: 60,
        owner: "tok_a",
        source: "heartbeat",
        nowMs,
      });
      first.close();
      const again = openSqlite(path, { sweepIntervalMs: 0 });
      const got = await again.store.get("svc", "n1", nowMs);
      again.close();
      expect(got?.address).toBe("10.0.0.1:80");
      expect(Object.keys(got?.metadata ?? {}).sort()).toEqual(["__proto__", "constructor"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
