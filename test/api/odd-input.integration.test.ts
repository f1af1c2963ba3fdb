import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createDynamoClient, documentClient } from "../../shared/store/dynamodb/client.js";
import { classifyStoreError } from "../../shared/store/dynamodb/errors.js";
import { StoreUnavailableError } from "../../shared/store/store.js";
import { engine, engines } from "../engines/index.js";
import { json, TOKEN_A, testRegistry } from "../support/registry.js";
import { freshTable } from "../support/table.js";

/** A heartbeat sent as raw JSON text, so keys like `__proto__` reach the server as written. */
const rawHeartbeat = (r: Awaited<ReturnType<typeof testRegistry>>, body: string) =>
  r.app.request("/v1/services/svc/heartbeats", {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
    body,
  });

// Keys that name properties every JavaScript object inherits.
const INHERITED = ["constructor", "toString", "hasOwnProperty", "valueOf", "prototype"];

describe.each(engines())("odd input on $name", (engine) => {
  it("stores metadata keys named like Object.prototype's properties as given", async () => {
    const r = await testRegistry(engine);
    const metadata = Object.fromEntries(INHERITED.map((k) => [k, `v-${k}`]));
    const res = await rawHeartbeat(
      r,
      JSON.stringify({ id: "a", address: "10.0.0.1:80", metadata }),
    );
    expect(res.status).toBe(201);
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances[0].metadata).toEqual(metadata);
    // Each alone too: `constructor` by itself was the one that broke the write.
    for (const key of INHERITED) {
      const one = await rawHeartbeat(
        r,
        JSON.stringify({ id: `b-${key}`, address: "10.0.0.1:80", metadata: { [key]: "x" } }),
      );
      expect(one.status, key).toBe(201);
    }
  });

  it("refuses a __proto__ metadata key with 400 naming it instead of dropping it", async () => {
    const r = await testRegistry(engine);
    const res = await rawHeartbeat(
      r,
      '{"id":"a","address":"10.0.0.1:80","metadata":{"__proto__":"x","role":"db"}}',
    );
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.issues).toEqual([
      {
        path: "metadata.__proto__",
        message: "__proto__ cannot be a metadata key (JavaScript clients would drop it)",
      },
    ]);
    expect((await json(await r.get("/v1/services/svc/instances"))).instances).toEqual([]);
    // At the top level it is an unknown field like any other.
    const top = await rawHeartbeat(r, '{"id":"a","address":"10.0.0.1:80","__proto__":{}}');
    expect(top.status).toBe(400);
    expect((await json(top)).error.issues[0].path).toBe("__proto__");
  });

  it("refuses the ids . and .. with 400: no URL could ever address them", async () => {
    const r = await testRegistry(engine);
    for (const id of [".", ".."]) {
      const res = await rawHeartbeat(r, JSON.stringify({ id, address: "10.0.0.1:80" }));
      expect(res.status, id).toBe(400);
      const body = await json(res);
      expect(body.error.issues).toEqual([
        { path: "id", message: "must be 1-128 chars of A-Z a-z 0-9 . _ : -, and not . or .." },
      ]);
    }
    // Dots elsewhere are fine, and such an id is reachable by its URL: its DELETE removes it.
    const ids = ["...", ".a", "a..b"];
    for (const id of ids) {
      const res = await rawHeartbeat(r, JSON.stringify({ id, address: "10.0.0.1:80" }));
      expect(res.status, id).toBe(201);
    }
    const live = async () =>
      (await json(await r.get("/v1/services/svc/instances"))).instances.map(
        (i: { id: string }) => i.id,
      );
    expect(await live()).toEqual(ids);
    for (const id of ids) expect((await r.remove("svc", id)).status, id).toBe(204);
    expect(await live()).toEqual([]);
  });

  it("accepts a re-registration right after a DELETE, with the same content", async () => {
    const r = await testRegistry(engine);
    const node = { id: "a", address: "10.0.0.1:80", ttl: 60 };
    expect((await r.heartbeat("svc", node)).status).toBe(201);
    // The same heartbeat again is refused within the floor (ttl/10 = 6 s)…
    expect((await r.heartbeat("svc", node)).status).toBe(429);
    expect((await r.remove("svc", "a")).status).toBe(204);
    // …but once deregistered it is a new registration, at once.
    const again = await r.heartbeat("svc", node);
    expect(again.status).toBe(201);
    expect((await json(await r.get("/v1/services/svc/instances"))).instances).toHaveLength(1);
    // And the floor applies again to what follows.
    expect((await r.heartbeat("svc", node)).status).toBe(429);
  });
});

describe("errors the DynamoDB SDK raises itself", () => {
  it("reports an error the SDK raises before sending as a bug, never as an outage", async () => {
    const { client, tableName } = await freshTable(engine("dynamodb-local"));
    const doc = documentClient(client);
    // A value the marshaller cannot write: the request never leaves the process.
    const err = await doc
      .send(new PutCommand({ TableName: tableName, Item: { pk: "p", sk: "s", x: Symbol("x") } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(classifyStoreError(err)).toBe(err);
    // A DynamoDB refusal of our request (a malformed key) is ours too.
    const refused = await doc
      .send(new PutCommand({ TableName: tableName, Item: { pk: "p" } }))
      .catch((e: unknown) => e);
    expect((refused as Error).name).toBe("ValidationException");
    expect(classifyStoreError(refused)).toBe(refused);
  });
});

describe("store outages", () => {
  it("reports a refused connection as the store being unreachable", async () => {
    // Port 9 (discard) on loopback: nothing listens there in the test machine.
    const client = createDynamoClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
    const err = await documentClient(client)
      .send(new PutCommand({ TableName: "t", Item: { pk: "p", sk: "s" } }))
      .catch((e: unknown) => e);
    const classified = classifyStoreError(err);
    expect(classified).toBeInstanceOf(StoreUnavailableError);
    expect((classified as StoreUnavailableError).message).toBe("store is unreachable");
    client.destroy();
  });
});
