import { describe, expect, it } from "vitest";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { engines } from "../engines/index.js";
import { json, type TestRegistry, TOKEN_A, TOKEN_B, testRegistry } from "../support/registry.js";

/** Another process (a second Lambda container) on the same table and clock, with its own memory. */
async function secondProcess(
  r: TestRegistry,
  floodGuard: boolean,
  onWrite: (method: string) => void,
) {
  const app = createApp({
    store: (await r.another({ onWrite })).store,
    tokens: new TokenSet([TOKEN_A]),
    now: () => r.clock.ms,
    floodGuard,
  });
  return (body: unknown) =>
    app.request("/v1/services/a/heartbeats", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
}

const NODE = { id: "n1", address: "10.0.0.1:80", ttl: 60 };
const FLOOD = 40;

describe.each(engines())("abuse limits on $name", (engine) => {
  it("answers 429 rate_limited with Retry-After once a token spends its bucket", async () => {
    const r = await testRegistry(engine, {
      security: { rateLimit: { ratePerSecond: 1, burst: 3 } },
    });
    for (let i = 0; i < 3; i++) expect((await r.get("/v1/services/a/peers.txt")).status).toBe(200);
    const limited = await r.get("/v1/services/a/peers.txt");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await json(limited)).error.code).toBe("rate_limited");
    // Writes draw on the same bucket; another token has its own.
    expect((await r.heartbeat("a", NODE)).status).toBe(429);
    expect((await r.heartbeat("a", { ...NODE, id: "n2" }, TOKEN_B)).status).toBe(201);
    r.advance(1);
    expect((await r.get("/v1/services/a/peers.txt")).status).toBe(200);
  });

  it("caps live instances per service, undoing a refused creation, and frees a slot when one lapses", async () => {
    const r = await testRegistry(engine, {
      security: { caps: { maxPerService: 2, maxPerToken: 0, countSeconds: 10 } },
    });
    expect((await r.heartbeat("a", { ...NODE, id: "n1", ttl: 10 })).status).toBe(201);
    expect((await r.heartbeat("a", { ...NODE, id: "n2" })).status).toBe(201);
    const third = await r.heartbeat("a", { ...NODE, id: "n3" });
    expect(third.status).toBe(403);
    const body = await json(third);
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.message).toBe(
      "service a has reached its cap of 2 live instances (MUSTER_MAX_INSTANCES_PER_SERVICE)",
    );
    expect((await r.get("/v1/services/a/instances/n3/registry.json")).status).toBe(404);
    // Renewals and other services are not affected.
    r.advance(6);
    expect((await r.heartbeat("a", { ...NODE, id: "n2" })).status).toBe(200);
    expect((await r.heartbeat("b", { ...NODE, id: "n3" })).status).toBe(201);
    r.advance(5); // n1 (ttl 10) has lapsed
    expect((await r.heartbeat("a", { ...NODE, id: "n3" })).status).toBe(201);
    const { instances } = await json(await r.get("/v1/services/a/instances"));
    expect(instances.map((i: { id: string }) => i.id)).toEqual(["n2", "n3"]);
  });

  it("caps live instances per scoped token across its services; bootstrap admins are exempt", async () => {
    const r = await testRegistry(engine, {
      security: { caps: { maxPerService: 0, maxPerToken: 2 } },
    });
    const { token } = await r.mint({ name: "web", role: "register", services: ["web-*", "api"] });
    expect((await r.heartbeat("web-eu", NODE, token)).status).toBe(201);
    expect((await r.heartbeat("api", NODE, token)).status).toBe(201);
    const refused = await r.heartbeat("web-us", NODE, token);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.message).toBe(
      "this token has reached its cap of 2 live instances (MUSTER_MAX_INSTANCES_PER_TOKEN)",
    );
    expect(
      (await json(await r.get("/v1/services"))).services.map((s: { name: string }) => s.name),
    ).toEqual(["api", "web-eu"]);
    for (let i = 0; i < 3; i++) {
      expect((await r.heartbeat("web-us", { ...NODE, id: `admin-${i}` }, TOKEN_A)).status).toBe(
        201,
      );
    }
  });

  it("never rewrites an instance more than once per floor interval under a heartbeat flood", async () => {
    const writes: number[] = [];
    const count = (op: string) => op === "heartbeat" && writes.push(r.clock.ms);
    const r = await testRegistry(engine, { store: { onWrite: count } });
    const other = await secondProcess(r, true, count);
    // Half the flood through each process, all at once.
    const flood = () =>
      Promise.all(
        Array.from({ length: FLOOD }, (_, i) => (i % 2 ? other(NODE) : r.heartbeat("a", NODE))),
      );
    const t0 = r.clock.ms;

    const first = await flood();
    expect(first.filter((res) => res.status === 201)).toHaveLength(1);
    expect(first.filter((res) => res.status === 429)).toHaveLength(FLOOD - 1);
    // The floor is ttl/10 = 6 s: nothing lands before it, one write at it.
    for (const step of [2, 3]) {
      r.advance(step);
      const again = await flood();
      expect(again.every((res) => res.status === 429)).toBe(true);
    }
    r.advance(1);
    const next = await flood();
    expect(next.filter((res) => res.status === 200)).toHaveLength(1);
    expect(writes).toEqual([t0, t0 + 6000]);
    const { instances } = await json(await r.get("/v1/services/a/instances"));
    expect(Date.parse(instances[0].last_seen)).toBe(Math.floor((t0 + 6000) / 1000) * 1000);
  });

  it("leaves the table the authority: a flood through two processes without a guard lands once", async () => {
    let writes = 0;
    const count = (op: string) => op === "heartbeat" && writes++;
    const r = await testRegistry(engine, {
      security: { floodGuard: false },
      store: { onWrite: count },
    });
    const other = await secondProcess(r, false, count);
    const node = { ...NODE, id: "n7" };
    const res = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) => (i % 2 ? other(node) : r.heartbeat("a", node))),
    );
    expect(res.filter((x) => x.status === 201)).toHaveLength(1);
    expect(res.filter((x) => x.status === 429)).toHaveLength(FLOOD - 1);
    expect(writes).toBe(1);
  });
});
