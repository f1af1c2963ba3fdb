import { describe, expect, it } from "vitest";
import { engine } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { json, testRegistry } from "../support/registry.js";

/** A Stellar validator that is also a Blixard node, so that peers.json lists it too. */
const validator = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `validator-${n}`,
  address: `10.0.1.${n}:11625`,
  cluster_node_id: n,
  iroh_node_id: irohNodeId(n),
  metadata: { namespace: "stellar-nodes" },
  ttl: 60,
  ...extra,
});

/** The app's answer to a GET started now, and a probe for when it is parked on the feed. */
async function registry() {
  const r = await testRegistry(engine("sqlite"), { maxWaitSeconds: 300, answers: true });
  const etagOf = async (path: string) => {
    const res = await r.get(path);
    expect(res.status).toBe(200);
    return res.headers.get("etag") as string;
  };
  /** Starts a blocking read and resolves once it is waiting (subscribed and re-rendered). */
  const blocked = async (path: string, etag: string, wait = 60) => {
    const answer = r.get(`${path}${path.includes("?") ? "&" : "?"}wait=${wait}`, {
      "If-None-Match": etag,
    });
    const service = path.split("/")[3] as string;
    for (let i = 0; i < 400 && r.changes.waiting(service) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(r.changes.waiting(service)).toBe(1);
    // Wrapped: an async function returning the promise itself would wait for the answer.
    return { answer };
  };
  return { ...r, etagOf, blocked };
}

describe("blocking reads (?wait= with If-None-Match)", () => {
  it.each([
    "/v1/services/stellar/peers.json",
    "/v1/services/stellar/peers.txt",
    "/v1/services/stellar/srv",
    "/v1/services/stellar/instances",
    "/v1/services/stellar/stellar/peers.json",
    "/v1/services/stellar/stellar/peers.txt",
    "/v1/services/stellar/stellar/peer_count",
  ])("%s is answered 200 by a new member, with the new ETag", async (path) => {
    const r = await registry();
    await r.heartbeat("stellar", validator(1));
    const etag = await r.etagOf(path);
    const { answer: pending } = await r.blocked(path, etag);
    expect((await r.heartbeat("stellar", validator(2))).status).toBe(201);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).not.toBe(etag);
    expect(await res.text()).toMatch(path.endsWith("peer_count") ? /^2$/ : /10\.0\.1\.2/);
    expect(r.changes.waiting()).toBe(0);
  });

  it("sleeps through renewals that change nothing served, and ends with 304", async () => {
    const r = await registry();
    await r.heartbeat("stellar", validator(1));
    const path = "/v1/services/stellar/stellar/peers.json";
    const etag = await r.etagOf(path);
    const { answer: pending } = await r.blocked(path, etag, 1);
    r.advance(10);
    expect((await r.heartbeat("stellar", validator(1))).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
    expect(await res.text()).toBe("");
  });

  it("wakes on a deregistration, a status change and a lease that ends", async () => {
    const r = await registry();
    await r.heartbeat("stellar", validator(1));
    await r.heartbeat("stellar", validator(2, { ttl: 30 }));
    const path = "/v1/services/stellar/stellar/peer_count";

    let { answer: pending } = await r.blocked(path, await r.etagOf(path));
    expect((await r.remove("stellar", "validator-1")).status).toBe(204);
    expect(await (await pending).text()).toBe("1");

    r.advance(10);
    expect((await r.heartbeat("stellar", validator(1))).status).toBe(201);
    ({ answer: pending } = await r.blocked(path, await r.etagOf(path)));
    r.advance(10);
    const changed = await r.heartbeat("stellar", validator(1, { status: "critical" }));
    expect(changed.status).toBe(200);
    expect(await (await pending).text()).toBe("1");

    // No write at all: validator-2's lease runs out (t=30 s, less the store's rounding to whole seconds) and the waiting read notices by
    // itself, at the lease's end.
    r.advance(9);
    ({ answer: pending } = await r.blocked(path, await r.etagOf(path)));
    r.advance(2);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("0");
  });

  it("answers at once without If-None-Match, or when the ETag already differs", async () => {
    const r = await registry();
    await r.heartbeat("stellar", validator(1));
    const res = await r.get("/v1/services/stellar/peers.txt?wait=300");
    expect(res.status).toBe(200);
    const stale = await r.get("/v1/services/stellar/peers.txt?wait=300", {
      "If-None-Match": '"not-the-etag"',
    });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe("10.0.1.1:11625\n");
  });

  it("refuses a malformed wait, naming the field", async () => {
    const r = await registry();
    for (const bad of ["-1", "ten", "1e3", ""]) {
      const res = await r.get(`/v1/services/stellar/peers.json?wait=${bad}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error.issues[0].path).toBe("wait");
    }
  });

  it("refuses ?wait= with a pointer to the events where blocking reads are off", async () => {
    const r = await testRegistry(engine("sqlite"));
    const res = await r.get("/v1/services/stellar/peers.json?wait=5", { "If-None-Match": '"x"' });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("wait_unsupported");
    expect(body.error.message).toMatch(/EventBridge/);
    expect(body.error.issues[0].path).toBe("wait");
  });
});

describe("Stellar's peer files", () => {
  it("serves passing validators in the operator's shapes, filtered by ?tag=", async () => {
    const r = await testRegistry(engine("sqlite"));
    await r.heartbeat("stellar", validator(2, { tags: ["mainnet"] }));
    await r.heartbeat("stellar", validator(1, { tags: ["mainnet"] }));
    await r.heartbeat("stellar", validator(3, { metadata: { node_type: "Horizon" } }));
    await r.heartbeat("stellar", validator(4, { status: "warning" }));
    await r.heartbeat("stellar", validator(5, { metadata: { suspended: "true" } }));
    await r.heartbeat("stellar", { ...validator(6), metadata: {} });

    const peers = await r.get("/v1/services/stellar/stellar/peers.json");
    expect(peers.headers.get("content-type")).toMatch(/^application\/json/);
    expect(peers.headers.get("etag")).toMatch(/^"/);
    const text = await peers.text();
    expect(text.endsWith("]")).toBe(true);
    expect(JSON.parse(text)).toStrictEqual([
      {
        ip: "10.0.1.1",
        name: "validator-1",
        namespace: "stellar-nodes",
        nodeType: "Validator",
        peerString: "10.0.1.1:11625",
        port: 11625,
      },
      {
        ip: "10.0.1.2",
        name: "validator-2",
        namespace: "stellar-nodes",
        nodeType: "Validator",
        peerString: "10.0.1.2:11625",
        port: 11625,
      },
      {
        ip: "10.0.1.6",
        name: "validator-6",
        namespace: "default",
        nodeType: "Validator",
        peerString: "10.0.1.6:11625",
        port: 11625,
      },
    ]);
    const txt = await r.get("/v1/services/stellar/stellar/peers.txt?tag=mainnet");
    expect(txt.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await txt.text()).toBe("10.0.1.1:11625\n10.0.1.2:11625");
    expect(await (await r.get("/v1/services/stellar/stellar/peer_count")).text()).toBe("3");
  });

  it("is authorised like every read, and refuses ?status=", async () => {
    const r = await testRegistry(engine("sqlite"));
    expect((await r.get("/v1/services/stellar/stellar/peer_count", {}, null)).status).toBe(401);
    const res = await r.get("/v1/services/stellar/stellar/peers.json?status=any");
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues[0].path).toBe("status");
    const empty = await r.get("/v1/services/nobody/stellar/peers.json");
    expect(await empty.text()).toBe("[]");
  });
});
