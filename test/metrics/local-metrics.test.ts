import { describe, expect, it } from "vitest";
import { LocalMetrics } from "../../local/metrics.js";
import { AnyToken, ScopedTokens } from "../../shared/auth/scoped-tokens.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { readLocalSettings } from "../../shared/settings/local.js";
import { engine } from "../engines/index.js";
import { TOKEN_A } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";

async function metricsApp(isPublic: boolean, clock = { ms: Date.now() }) {
  const storage = await freshStorage(engine("sqlite"));
  const metrics = new LocalMetrics({ public: isPublic, now: () => clock.ms });
  const store = metrics.instrument(storage.store);
  const scopedTokens = new ScopedTokens({
    table: storage.tokens,
    cacheSeconds: 0,
    now: () => clock.ms,
  });
  const publicServices = new Set(["open"]);
  const app = createApp({
    store,
    tokens: new TokenSet([TOKEN_A]),
    scopedTokens,
    publicServices,
    onEvent: metrics.onEvent,
    onRefusal: metrics.onRefusal,
    now: () => clock.ms,
  });
  metrics.mount(app, new AnyToken(new TokenSet([TOKEN_A]), scopedTokens), publicServices);
  const auth = { Authorization: `Bearer ${TOKEN_A}` };
  const beat = (id: string, address: string, service = "web") =>
    app.request(`/v1/services/${service}/heartbeats`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ id, address }),
    });
  /** A scoped read token for `services`, minted through the admin API. */
  const reader = async (services: string[]) => {
    const res = await app.request("/v1/admin/tokens", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "dashboard", role: "read", services }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };
  return { app, auth, beat, reader, clock };
}

const serviceSeries = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^muster_(live|passing)_instances\{/.test(l))
    .map((l) => /service="([^"]+)"/.exec(l)?.[1])
    .filter((s, i, all) => all.indexOf(s) === i);

describe("local /metrics (prom-client)", () => {
  it("counts heartbeats, refusals by code, store latency and live instances, for a token", async () => {
    const { app, auth, beat } = await metricsApp(false);
    expect((await beat("node-1", "10.0.0.1:80")).status).toBe(201);
    expect((await beat("node-2", "10.0.0.2:80")).status).toBe(201);
    expect((await beat("node-3", "nope")).status).toBe(400);
    expect((await app.request("/metrics")).status).toBe(401);
    expect(
      (await app.request("/metrics", { headers: { Authorization: "Bearer wrong-token-123456" } }))
        .status,
    ).toBe(401);
    const res = await app.request("/metrics", { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^muster_heartbeats_total 2$/m);
    expect(text).toMatch(/^muster_refusals_total\{code="invalid_input",status="400"\} 1$/m);
    expect(text).toMatch(/^muster_refusals_total\{code="unauthorized",status="401"\} 2$/m);
    expect(text).toMatch(/^muster_live_instances\{service="web"\} 2$/m);
    expect(text).toMatch(/^muster_store_seconds_count\{operation="heartbeat"\} 2$/m);
    expect(text).toMatch(/^# TYPE muster_reconcile_passes_total counter$/m);
  });

  it("is open to anyone with MUSTER_METRICS_PUBLIC=true, and refuses a value that is not a boolean", async () => {
    const { app } = await metricsApp(true);
    expect((await app.request("/metrics")).status).toBe(200);
    const metricsPublic = (env: Record<string, string>) => readLocalSettings(env).metricsPublic;
    expect(metricsPublic({ MUSTER_METRICS_PUBLIC: "true" })).toBe(true);
    expect(metricsPublic({})).toBe(false);
    expect(() => metricsPublic({ MUSTER_METRICS_PUBLIC: "yes" })).toThrow(/MUSTER_METRICS_PUBLIC/);
  });

  it("shows each caller only the per-service series it may read: admin all, a scoped token its own, anyone the public ones", async () => {
    const { app, auth, beat, reader } = await metricsApp(true);
    for (const [id, service] of [
      ["w1", "web"],
      ["s1", "secret"],
      ["o1", "open"],
    ]) {
      expect((await beat(id as string, "10.0.0.1:80", service)).status).toBe(201);
    }
    const scrape = async (headers: Record<string, string> = {}) => {
      const res = await app.request("/metrics", { headers });
      expect(res.status).toBe(200);
      const text = await res.text();
      // The process's own series go to every caller.
      expect(text).toMatch(/^muster_heartbeats_total 3$/m);
      return serviceSeries(text).sort();
    };
    expect(await scrape(auth)).toEqual(["open", "secret", "web"]);
    const webOnly = await reader(["web"]);
    expect(await scrape({ Authorization: `Bearer ${webOnly}` })).toEqual(["open", "web"]);
    expect(await scrape()).toEqual(["open"]);
    // Public or not, a token that does not verify is refused, not served as anonymous.
    const bad = await app.request("/metrics", {
      headers: { Authorization: "Bearer nope-0123456789abcdef" },
    });
    expect(bad.status).toBe(401);
  });

  it("rate-limits each caller (once a second, a burst of 5), others unaffected, and counts the store once a second", async () => {
    const { app, auth, reader, clock } = await metricsApp(false);
    const other = await reader(["*"]);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await app.request("/metrics", { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = await app.request("/metrics", { headers: auth });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(
      (await app.request("/metrics", { headers: { Authorization: `Bearer ${other}` } })).status,
    ).toBe(200);
    clock.ms += 1_000;
    const again = await app.request("/metrics", { headers: auth });
    expect(again.status).toBe(200);
    // Every scrape above within one second of the clock counted the services once.
    const text = await again.text();
    const counted = Number(
      /^muster_store_seconds_count\{operation="services"\} (\d+)$/m.exec(text)?.[1],
    );
    expect(counted).toBe(2);
  });
});
