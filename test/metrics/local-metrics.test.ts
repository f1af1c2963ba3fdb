import { describe, expect, it } from "vitest";
import { LocalMetrics } from "../../local/metrics.js";
import { AnyToken } from "../../shared/auth/scoped-tokens.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { readLocalSettings } from "../../shared/settings/local.js";
import { engine } from "../engines/index.js";
import { TOKEN_A } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";

async function metricsApp(isPublic: boolean) {
  const storage = await freshStorage(engine("sqlite"));
  const metrics = new LocalMetrics({ public: isPublic });
  const store = metrics.instrument(storage.store);
  const app = createApp({
    store,
    tokens: new TokenSet([TOKEN_A]),
    onEvent: metrics.onEvent,
    onRefusal: metrics.onRefusal,
  });
  metrics.mount(app, new AnyToken(new TokenSet([TOKEN_A])));
  const auth = { Authorization: `Bearer ${TOKEN_A}` };
  const beat = (id: string, address: string) =>
    app.request("/v1/services/web/heartbeats", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ id, address }),
    });
  return { app, auth, beat };
}

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
});
