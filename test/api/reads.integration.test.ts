import { describe, expect, it } from "vitest";
import { engines } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { blixardNode, json, listed, testRegistry } from "../support/registry.js";

describe.each(engines())("registry files and peer lists on $name", (engine) => {
  it("serves registry.json exactly in Blixard's node registry format", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("blixard", blixardNode(1));
    const res = await r.get("/v1/services/blixard/instances/node-1/registry.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toStrictEqual({
      cluster_node_id: 1,
      iroh_node_id: irohNodeId(1),
      direct_addresses: ["192.168.1.11:7001", "10.0.0.1:7001"],
      relay_url: "https://relay.iroh.network",
      address: "192.168.1.11:7001",
    });
  });

  it("answers 404 for a registry file of an unknown or expired node", async () => {
    const r = await testRegistry(engine);
    expect((await r.get("/v1/services/blixard/instances/node-9/registry.json")).status).toBe(404);
    await r.heartbeat("blixard", { ...blixardNode(1), ttl: 5 });
    r.advance(5);
    const res = await r.get("/v1/services/blixard/instances/node-1/registry.json");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });

  it("serves peers.json as a bare array in Blixard's static discovery format", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("blixard", blixardNode(1));
    await r.heartbeat("blixard", { id: "edge-7", address: "[2001:db8::7]:7001" });
    const res = await r.get("/v1/services/blixard/peers.json");
    // Not a Blixard node (no cluster_node_id, no iroh_node_id): left out, and counted.
    expect(res.headers.get("muster-omitted-instances")).toBe("1");
    expect(await json(res)).toStrictEqual([
      {
        node_id: 1,
        iroh_node_id: irohNodeId(1),
        direct_addresses: ["192.168.1.11:7001", "10.0.0.1:7001"],
        relay_url: "https://relay.iroh.network",
        source: "heartbeat",
        // serde's SystemTime; registration times are kept to the second.
        discovered_at: { secs_since_epoch: Math.floor(r.clock.ms / 1000), nanos_since_epoch: 0 },
      },
    ]);
  });

  it("serves peers.txt one host:port a line and SRV records from the address", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("engram", { id: "a", address: "10.0.0.1:7946", weight: 5 });
    await r.heartbeat("engram", { id: "b", address: "[2001:db8::2]:7946", status: "warning" });
    await r.heartbeat("engram", { id: "c", address: "engram-3.internal:7946" });
    const txt = await r.get("/v1/services/engram/peers.txt");
    expect(txt.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await txt.text()).toBe("10.0.0.1:7946\n[2001:db8::2]:7946\nengram-3.internal:7946\n");

    const srv = await json(await r.get("/v1/services/engram/srv"));
    expect(srv).toStrictEqual({
      name: "_engram._tcp",
      records: [
        { target: "10.0.0.1", port: 7946, priority: 0, weight: 5, ttl: 5 },
        { target: "2001:db8::2", port: 7946, priority: 1, weight: 1, ttl: 5 },
        { target: "engram-3.internal", port: 7946, priority: 0, weight: 1, ttl: 5 },
      ],
    });
  });

  it("leaves critical instances out of the joining lists unless ?status=any", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("s", {
      ...blixardNode(1),
      id: "ok",
      address: "10.0.0.1:1",
      direct_addresses: [],
    });
    await r.heartbeat("s", {
      ...blixardNode(2),
      id: "meh",
      address: "10.0.0.2:1",
      direct_addresses: [],
      status: "warning",
    });
    await r.heartbeat("s", {
      ...blixardNode(3),
      id: "down",
      address: "10.0.0.3:1",
      direct_addresses: [],
      status: "critical",
    });
    const ids = async (path: string) =>
      ((await json(await r.get(path))) as { node_id: number }[]).map((p) => p.node_id);
    expect(await ids("/v1/services/s/peers.json")).toEqual([2, 1]);
    expect(await ids("/v1/services/s/peers.json?status=any")).toEqual([3, 2, 1]);
    expect(await ids("/v1/services/s/peers.json?status=passing")).toEqual([1]);
    expect(await (await r.get("/v1/services/s/peers.txt")).text()).toBe("10.0.0.2:1\n10.0.0.1:1\n");
    const srv = await json(await r.get("/v1/services/s/srv?status=any"));
    expect(srv.records).toHaveLength(3);
  });

  it("lists every live instance, with ?status= and ?tag= filters", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("s", { id: "a", address: "10.0.0.1:1", tags: ["eu", "ssd"] });
    await r.heartbeat("s", { id: "b", address: "10.0.0.2:1", tags: ["eu"], status: "critical" });
    await r.heartbeat("s", {
      id: "c",
      address: "10.0.0.3:1",
      tags: ["us", "ssd"],
      metadata: { rack: "r1" },
    });
    const ids = async (q: string) => {
      const body = await json(await r.get(`/v1/services/s/instances${q}`));
      expect(body.service).toBe("s");
      return body.instances.map((i: { id: string }) => i.id);
    };
    expect(await ids("")).toEqual(["a", "b", "c"]);
    expect(await ids("?status=passing")).toEqual(["a", "c"]);
    expect(await ids("?status=critical")).toEqual(["b"]);
    expect(await ids("?tag=eu")).toEqual(["a", "b"]);
    expect(await ids("?tag=eu&tag=ssd")).toEqual(["a"]);
    expect(await ids("?tag=ssd&status=passing")).toEqual(["a", "c"]);
    const c = (await json(await r.get("/v1/services/s/instances?tag=us"))).instances[0];
    expect(c.metadata).toEqual({ rack: "r1" });
  });

  it("lists services with live and passing counts", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("alpha", { id: "a", address: "10.0.0.1:1" });
    await r.heartbeat("alpha", { id: "b", address: "10.0.0.2:1", status: "critical" });
    await r.heartbeat("beta", { id: "a", address: "10.0.0.3:1", ttl: 5 });
    expect(await json(await r.get("/v1/services"))).toEqual({
      services: [
        listed("alpha", { instances: 2, passing: 1 }),
        listed("beta", { instances: 1, passing: 1 }),
      ],
    });
    r.advance(6);
    expect(await json(await r.get("/v1/services"))).toEqual({
      services: [listed("alpha", { instances: 2, passing: 1 })],
    });
  });

  it("never serves an expired instance, from any endpoint", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("s", { ...blixardNode(1), id: "short", address: "10.0.0.1:1", ttl: 5 });
    await r.heartbeat("s", { ...blixardNode(2), id: "long", address: "10.0.0.2:1", ttl: 60 });
    r.advance(5); // expires_at is exclusive: at exactly the lease's end the instance is gone
    expect(await (await r.get("/v1/services/s/peers.txt")).text()).toBe("10.0.0.2:1\n");
    expect((await json(await r.get("/v1/services/s/peers.json?status=any"))).length).toBe(1);
    expect((await json(await r.get("/v1/services/s/bootstrap"))).node_id).toBe(2);
    expect((await json(await r.get("/v1/services/s/srv"))).records.length).toBe(1);
    expect((await json(await r.get("/v1/services/s/instances"))).instances.length).toBe(1);
    expect((await r.get("/v1/services/s/instances/short/registry.json")).status).toBe(404);
  });

  it("follows every page of every shard", async () => {
    // Pages of 7 items make 300 instances paginate dozens of times on each of the 8 shards.
    const r = await testRegistry(engine, { store: { pageLimit: 7 } });
    const ids = Array.from({ length: 300 }, (_, i) => `n${String(i).padStart(3, "0")}`);
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids
          .slice(i, i + 25)
          .map((id, j) => r.heartbeat("big", { id, address: `10.1.${i / 25}.${j + 1}:9000` })),
      );
    }
    // Expired items are still in the table: whole pages of them come back empty after the
    // filter, with a LastEvaluatedKey that must still be followed.
    for (let i = 0; i < 60; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          r.heartbeat("big", { id: `gone-${i + j}`, address: "10.2.0.1:1", ttl: 5 }),
        ),
      );
    }
    r.advance(6);
    const body = await json(await r.get("/v1/services/big/instances"));
    expect(body.instances.map((i: { id: string }) => i.id)).toEqual(ids);
    expect((await (await r.get("/v1/services/big/peers.txt")).text()).split("\n").length - 1).toBe(
      300,
    );
    expect(await json(await r.get("/v1/services"))).toEqual({
      services: [listed("big", { instances: 300, passing: 300 })],
    });
  });

  it("answers reads with a strong ETag, 304 on If-None-Match, and edge-cacheable headers", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("s", { ...blixardNode(1), id: "a", address: "10.0.0.1:1" });
    for (const path of [
      "/v1/services",
      "/v1/services/s/instances",
      "/v1/services/s/instances/a/registry.json",
      "/v1/services/s/peers.json",
      "/v1/services/s/peers.txt",
      "/v1/services/s/srv",
      "/v1/services/s/bootstrap",
    ]) {
      const first = await r.get(path);
      const etag = first.headers.get("etag");
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers.get("cache-control")).toBe("max-age=0, s-maxage=5");
      expect(first.headers.get("vary")).toBe("Authorization, X-Muster-Token, Accept-Encoding");
      const again = await r.get(path, { "If-None-Match": etag as string });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
      expect((await r.get(path, { "If-None-Match": `"other", W/${etag}` })).status).toBe(304);
      expect((await r.get(path, { "If-None-Match": '"other"' })).status).toBe(200);
    }
    const before = (await r.get("/v1/services/s/peers.txt")).headers.get("etag");
    await r.heartbeat("s", { id: "b", address: "10.0.0.2:1" });
    const after = await r.get("/v1/services/s/peers.txt", { "If-None-Match": before as string });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before);
  });

  it("lets anyone read a public service, but never write to it", async () => {
    const r = await testRegistry(engine, { publicServices: ["open"] });
    await r.heartbeat("open", { id: "a", address: "10.0.0.1:1" });
    expect(await (await r.get("/v1/services/open/peers.txt", {}, null)).text()).toBe(
      "10.0.0.1:1\n",
    );
    expect((await r.get("/v1/services/closed/peers.txt", {}, null)).status).toBe(401);
    // The list answers too, naming the public services only.
    await r.heartbeat("closed", { id: "a", address: "10.0.0.1:1" });
    const anonymous = await r.get("/v1/services", {}, null);
    expect(anonymous.status).toBe(200);
    expect(await json(anonymous)).toEqual({
      services: [listed("open", { instances: 1, passing: 1, public: true })],
    });
    expect((await json(await r.get("/v1/services"))).services).toHaveLength(2);
    // With no public service, the list stays closed to anonymous callers.
    const closed = await testRegistry(engine);
    expect((await closed.get("/v1/services", {}, null)).status).toBe(401);
    const write = await r.app.request("/v1/services/open/heartbeats", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "b", address: "10.0.0.2:1" }),
    });
    expect(write.status).toBe(401);
  });

  it("reports no discovery sources until a reconciler is configured", async () => {
    const r = await testRegistry(engine);
    expect(await json(await r.get("/v1/discovery/health"))).toEqual({
      sources: [],
      totals: { sources: 0, enabled: 0, ok: 0, instances: 0 },
    });
  });
});
