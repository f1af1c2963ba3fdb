import { describe, expect, it } from "vitest";
import { ScopedTokens } from "../../shared/auth/scoped-tokens.js";
import { engines } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { json, TOKEN_A, testRegistry } from "../support/registry.js";

// A Blixard node, so that every read (registry.json too) has something to serve.
const NODE = {
  id: "n1",
  address: "10.0.0.1:80",
  ttl: 60,
  cluster_node_id: 1,
  iroh_node_id: irohNodeId(1),
};
const READS = [
  "instances",
  "peers.json",
  "peers.txt",
  "srv",
  "bootstrap",
  "instances/n1/registry.json",
];

describe.each(engines())("scoped tokens on $name", (engine) => {
  it("keeps a token for service a out of service b, reads and writes alike", async () => {
    const r = await testRegistry(engine);
    expect((await r.heartbeat("a", NODE)).status).toBe(201);
    expect((await r.heartbeat("b", NODE)).status).toBe(201);
    const { token } = await r.mint({ name: "a-fleet", role: "register", services: ["a"] });

    // In scope: heartbeat (its own id), every read.
    expect((await r.heartbeat("a", { ...NODE, id: "n2" }, token)).status).toBe(201);
    for (const path of READS) {
      expect((await r.get(`/v1/services/a/${path}`, {}, token)).status).toBe(200);
    }
    // Out of scope: every read, the heartbeat and the DELETE are 403, naming the service.
    for (const path of READS) {
      const res = await r.get(`/v1/services/b/${path}`, {}, token);
      expect(res.status).toBe(403);
      const body = await json(res);
      expect(body.error.code).toBe("forbidden");
      expect(body.error.message).toContain("service b");
    }
    const write = await r.heartbeat("b", { ...NODE, id: "n2" }, token);
    expect(write.status).toBe(403);
    expect((await json(write)).error.message).toContain("service b");
    expect((await r.remove("b", "n1", token)).status).toBe(403);
    // Nothing in b changed.
    const b = await json(await r.get("/v1/services/b/instances"));
    expect(b.instances.map((i: { id: string }) => i.id)).toEqual(["n1"]);
    // The service list shows a only.
    const listed = await json(await r.get("/v1/services", {}, token));
    expect(listed.services.map((s: { name: string }) => s.name)).toEqual(["a"]);
    // Admin-only endpoints stay closed.
    expect((await r.get("/v1/admin/tokens", {}, token)).status).toBe(403);
    expect((await r.get("/v1/discovery/health", {}, token)).status).toBe(403);
  });

  it("matches prefix scopes, and lets read tokens read but never write", async () => {
    const r = await testRegistry(engine);
    const web = await r.mint({ name: "web", role: "register", services: ["web-*"] });
    expect((await r.heartbeat("web-eu", NODE, web.token)).status).toBe(201);
    expect((await r.heartbeat("web-us", NODE, web.token)).status).toBe(201);
    expect((await r.heartbeat("api", NODE, web.token)).status).toBe(403);
    expect((await r.heartbeat("web", NODE, web.token)).status).toBe(403);

    const reader = await r.mint({ name: "dash", role: "read", services: ["web-eu"] });
    expect((await r.get("/v1/services/web-eu/peers.json", {}, reader.token)).status).toBe(200);
    expect((await r.get("/v1/services/web-us/peers.json", {}, reader.token)).status).toBe(403);
    const write = await r.heartbeat("web-eu", { ...NODE, id: "n9" }, reader.token);
    expect(write.status).toBe(403);
    expect((await json(write)).error.message).toBe(
      "this token may only read; it cannot write service web-eu",
    );
    expect((await r.remove("web-eu", "n1", reader.token)).status).toBe(403);

    // A scoped admin does everything, like the bootstrap token.
    const admin = await r.mint({ name: "ops", role: "admin" });
    expect((await r.heartbeat("api", NODE, admin.token)).status).toBe(201);
    expect((await r.get("/v1/admin/tokens", {}, admin.token)).status).toBe(200);
    // Ownership still follows the presented token: the admin cannot take web's instance.
    expect(
      (await r.heartbeat("web-eu", { ...NODE, address: "10.9.9.9:1" }, admin.token)).status,
    ).toBe(409);
  });

  it("keeps the order of refusals: 400 before 403 before 429", async () => {
    const r = await testRegistry(engine);
    const { token } = await r.mint({ name: "a", role: "register", services: ["a"] });
    const invalid = await r.heartbeat("b", { id: "x" }, token);
    expect(invalid.status).toBe(400);
    expect((await r.get("/v1/services/b/peers.json?status=nope", {}, token)).status).toBe(400);
    expect((await r.get("/v1/services/b/peers.json", {}, token)).status).toBe(403);
  });

  it("refuses a revoked token at once, and an expired one on time", async () => {
    // The cache is on (5 s) here: a revocation through this process must still be immediate.
    const r = await testRegistry(engine, { tokenCacheSeconds: 5 });
    const { token, id } = await r.mint({ name: "a", role: "register", services: ["a"] });
    expect((await r.heartbeat("a", NODE, token)).status).toBe(201);
    const revoke = await r.app.request(`/v1/admin/tokens/${id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${TOKEN_A}` },
    });
    expect(revoke.status).toBe(204);
    const after = await r.get("/v1/services/a/peers.json", {}, token);
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe("unauthorized");

    const short = await r.mint({ name: "b", role: "read", services: ["a"], expires_in: 60 });
    expect((await r.get("/v1/services/a/peers.json", {}, short.token)).status).toBe(200);
    r.advance(59);
    expect((await r.get("/v1/services/a/peers.json", {}, short.token)).status).toBe(200);
    r.advance(1); // 60 s: the cache never outlives the token
    expect((await r.get("/v1/services/a/peers.json", {}, short.token)).status).toBe(401);
  });

  it("sees a revocation made by another process within the cache time, at once with it at 0", async () => {
    const r = await testRegistry(engine, { tokenCacheSeconds: 5 });
    const { token, id } = await r.mint({ name: "a", role: "read", services: ["a"] });
    expect((await r.get("/v1/services/a/peers.json", {}, token)).status).toBe(200);
    // Another container revokes: through the same table, not through this app's cache.
    const elsewhere = new ScopedTokens({
      table: (await r.another()).tokens,
      cacheSeconds: 0,
      now: () => r.clock.ms,
    });
    expect(await elsewhere.revoke(id)).toBe(true);
    expect(await elsewhere.verify(token)).toBeUndefined();
    // This process still holds it, for at most the cache time.
    expect((await r.get("/v1/services/a/peers.json", {}, token)).status).toBe(200);
    r.advance(5);
    expect((await r.get("/v1/services/a/peers.json", {}, token)).status).toBe(401);
  });

  it("manages tokens through the admin endpoints, showing a token once and no secret after", async () => {
    const r = await testRegistry(engine);
    const auth = { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" };
    const post = (body: unknown, headers: Record<string, string> = auth) =>
      r.app.request("/v1/admin/tokens", { method: "POST", headers, body: JSON.stringify(body) });

    const created = await post({
      name: "web fleet",
      role: "register",
      services: ["web-*", "api"],
      expires_in: 86_400,
    });
    expect(created.status).toBe(201);
    const made = await json(created);
    expect(made).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      fingerprint: expect.stringMatching(/^tok_[0-9a-f]{16}$/),
      name: "web fleet",
      role: "register",
      services: ["web-*", "api"],
      expires_at: new Date(Math.floor(r.clock.ms / 1000) * 1000 + 86_400_000)
        .toISOString()
        .replace(".000Z", "Z"),
      created_at: expect.any(String),
      created_by: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^mst_[A-Za-z0-9_-]{43}$/),
    });
    // Instances it registers carry the fingerprint the list shows.
    await r.heartbeat("api", NODE, made.token);
    const inst = await json(await r.get("/v1/services/api/instances"));
    expect(inst.instances[0].registered_by).toBe(made.fingerprint);

    const list = await r.get("/v1/admin/tokens");
    expect(list.headers.get("cache-control")).toBe("no-store");
    const listed = await json(list);
    const { token: _secret, ...shown } = made;
    expect(listed.tokens).toEqual([shown]);
    expect(JSON.stringify(listed)).not.toContain(made.token);

    // Refusals: 401 without a token, 415, 400 naming the field, 403 for a non-admin, 404.
    expect((await post({}, { "Content-Type": "application/json" })).status).toBe(401);
    expect((await post({ name: "x" }, { Authorization: `Bearer ${TOKEN_A}` })).status).toBe(415);
    const bad = await json(await post({ name: "x", role: "owner", services: ["A_B"], extra: 1 }));
    expect(bad.error.code).toBe("invalid_input");
    expect(bad.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "extra",
      "role",
      "services.0",
    ]);
    const noService = await json(await post({ name: "x", role: "read" }));
    expect(noService.error.issues).toEqual([
      { path: "services", message: "a read token needs at least one service" },
    ]);
    const reader = await r.mint({ name: "r", role: "read", services: ["a"] });
    expect(
      (
        await post(
          { name: "x", role: "admin" },
          { ...auth, Authorization: `Bearer ${reader.token}` },
        )
      ).status,
    ).toBe(403);
    const del = (id: string) =>
      r.app.request(`/v1/admin/tokens/${id}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${TOKEN_A}` },
      });
    expect((await del("not-an-id")).status).toBe(400);
    expect((await del("0123456789abcdef")).status).toBe(404);
    expect((await del(made.id)).status).toBe(204);
    expect((await del(made.id)).status).toBe(404);
    const left = await json(await r.get("/v1/admin/tokens"));
    expect(left.tokens.map((t: { name: string }) => t.name)).toEqual(["r"]);
  });
});
