import { describe, expect, it } from "vitest";
import { engines } from "../engines/index.js";
import { blixardNode, json, TOKEN_B, testRegistry } from "../support/registry.js";

describe.each(engines())("heartbeats and deregistration on $name", (engine) => {
  it("registers with 201 and answers the lease", async () => {
    const r = await testRegistry(engine);
    const res = await r.heartbeat("blixard", { ...blixardNode(1), ttl: 30 });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const lease = await json(res);
    expect(lease).toEqual({
      service: "blixard",
      id: "node-1",
      expires_at: new Date(Math.floor((r.clock.ms + 30_000) / 1000) * 1000)
        .toISOString()
        .replace(".000Z", "Z"),
      ttl: 30,
      heartbeat_interval: 10,
    });
  });

  it("fills the documented defaults", async () => {
    const r = await testRegistry(engine);
    const res = await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80" });
    expect(res.status).toBe(201);
    expect((await json(res)).ttl).toBe(135);
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({
      id: "a",
      service: "svc",
      address: "10.0.0.1:80",
      direct_addresses: [],
      relay_url: null,
      iroh_node_id: null,
      cluster_node_id: null,
      tags: [],
      metadata: {},
      version: null,
      weight: 1,
      status: "passing",
      source: "heartbeat",
    });
    expect(instances[0].registered_by).toMatch(/^tok_[0-9a-f]{16}$/);
  });

  it("renews with 200 and extends the lease even when nothing changed", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 10 });
    r.advance(8);
    const renewed = await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 10 });
    expect(renewed.status).toBe(200);
    r.advance(8); // 16 s after registering: alive only because the renewal moved expires_at
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances.map((i: { id: string }) => i.id)).toEqual(["a"]);
  });

  it("refuses an unchanged renewal sooner than ttl/10 with 429 and Retry-After", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 60 });
    r.advance(2);
    const res = await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 60 });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("4");
    expect((await json(res)).error.code).toBe("too_many_requests");
    r.advance(4);
    expect((await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 60 })).status).toBe(
      200,
    );
  });

  it("lets a change of status or content through the floor at once", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 60 });
    const critical = await r.heartbeat("svc", {
      id: "a",
      address: "10.0.0.1:80",
      ttl: 60,
      status: "critical",
    });
    expect(critical.status).toBe(200);
    const moved = await r.heartbeat("svc", {
      id: "a",
      address: "10.0.0.2:80",
      ttl: 60,
      status: "critical",
    });
    expect(moved.status).toBe(200);
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances[0]).toMatchObject({ address: "10.0.0.2:80", status: "critical" });
  });

  it("answers 409 to another token's heartbeat while the instance lives, and frees the id after", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 10 });
    const stolen = await r.heartbeat("svc", { id: "a", address: "10.9.9.9:80", ttl: 10 }, TOKEN_B);
    expect(stolen.status).toBe(409);
    expect((await json(stolen)).error.code).toBe("conflict");
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances[0].address).toBe("10.0.0.1:80");

    r.advance(11);
    const taken = await r.heartbeat("svc", { id: "a", address: "10.9.9.9:80", ttl: 10 }, TOKEN_B);
    expect(taken.status).toBe(201);
  });

  it("restarts discovered_at when an id is registered again after its lease lapsed", async () => {
    const r = await testRegistry(engine);
    const node = { ...blixardNode(1), id: "a", address: "10.0.0.1:80", ttl: 5 };
    await r.heartbeat("svc", node);
    const first = (await json(await r.get("/v1/services/svc/peers.json")))[0].discovered_at;
    r.advance(100);
    expect((await r.heartbeat("svc", node)).status).toBe(201);
    const second = (await json(await r.get("/v1/services/svc/peers.json")))[0].discovered_at;
    expect(second.secs_since_epoch - first.secs_since_epoch).toBe(100);
  });

  it("deregisters with 204, refuses another token with 403, and is idempotent", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80" });
    const forbidden = await r.remove("svc", "a", TOKEN_B);
    expect(forbidden.status).toBe(403);
    expect((await json(forbidden)).error.code).toBe("forbidden");

    expect((await r.remove("svc", "a")).status).toBe(204);
    expect((await r.get("/v1/services/svc/peers.txt")).status).toBe(200);
    expect(await (await r.get("/v1/services/svc/peers.txt")).text()).toBe("");
    expect((await r.get("/v1/services/svc/instances/a/registry.json")).status).toBe(404);
    expect((await r.remove("svc", "a")).status).toBe(204);
    expect((await r.remove("svc", "never-was")).status).toBe(204);
  });

  it("lets any token remove an instance whose lease lapsed", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { id: "a", address: "10.0.0.1:80", ttl: 5 });
    r.advance(6);
    expect((await r.remove("svc", "a", TOKEN_B)).status).toBe(204);
  });
});
