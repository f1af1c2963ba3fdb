import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { startDynalite } from "../../local/dynalite.js";
import { createDynamoClient } from "../../shared/store/client.js";
import { ensureTable } from "../../shared/store/table.js";
import { freshTable } from "../support/table.js";
import { engines } from "./index.js";

describe.each(engines())("engine $name", (engine) => {
  it("round-trips an item through PutItem and GetItem", async () => {
    const { client, tableName } = await freshTable(engine);
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

describe("dynalite restart", () => {
  it("refuses connections while down and serves the same data once back on its port", async () => {
    // On disk, so the restarted server sees what the first one wrote.
    const dir = await mkdtemp(join(tmpdir(), "muster-dynalite-"));
    let server = await startDynalite({ path: dir });
    const port = Number(new URL(server.endpoint).port);
    // One attempt: the point is to see the outage, not to retry through it.
    const client = createDynamoClient({ endpoint: server.endpoint, maxAttempts: 1 });
    try {
      const tableName = "muster-restart";
      await ensureTable(client, tableName);
      const key = { pk: { S: "svc#restart" }, sk: { S: "node#1" } };
      await client.send(new PutItemCommand({ TableName: tableName, Item: key }));

      await server.stop();
      await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
        code: "ECONNREFUSED",
      });

      server = await startDynalite({ port, path: dir });
      const got = await client.send(new GetItemCommand({ TableName: tableName, Key: key }));
      expect(got.Item).toEqual(key);
    } finally {
      client.destroy();
      await server.stop().catch(() => {}); // already stopped if the test failed mid-restart
      await rm(dir, { recursive: true, force: true });
    }
  });
});
