import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { lambdaConsulBlocking } from "../../shared/http/consul/options.js";
import { engine } from "../engines/index.js";
import { consul, goRegistration, indexOf } from "../support/consul.js";
import { json, testRegistry } from "../support/registry.js";

type Registry = Awaited<ReturnType<typeof testRegistry>>;
const registry = (publicServices: string[] = []) =>
  testRegistry(engine("sqlite"), { consul: "local", publicServices });

const register = async (
  r: Registry,
  overrides: Record<string, unknown> = {},
  check: Record<string, unknown> = {},
) => {
  const res = await consul(r, "/v1/agent/service/register", {
    method: "PUT",
    body: goRegistration(overrides, check),
  });
  expect(res.status).toBe(200);
};

/** Resolves once `n` Consul queries are parked on the service (the views' own listener aside). */
async function parked(r: Registry, service: string, n = 1) {
  for (let i = 0; i < 400 && r.changes.waiting(service) < n + 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(r.changes.waiting(service)).toBe(n + 1);
}

describe("Consul's reads (local mode, SQLite)", () => {
  it("lists muster's own heartbeat instances too, with the check their status makes", async () => {
    const r = await registry();
    await r.heartbeat("web", {
      id: "hb-1",
      address: "10.0.0.9:80",
      tags: ["primary"],
      status: "warning",
    });
    const res = await consul(r, "/v1/health/service/web");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-consul-knownleader")).toBe("true");
    expect(res.headers.get("x-consul-lastcontact")).toBe("0");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const [entry] = await json(res);
    expect(entry.Node).toMatchObject({ Node: "10.0.0.9", Address: "10.0.0.9", Datacenter: "dc1" });
    expect(entry.Service).toMatchObject({ ID: "hb-1", Port: 80, Tags: ["primary"] });
    expect(entry.Checks).toEqual([
      expect.objectContaining({ CheckID: "service:hb-1", Status: "warning", Type: "ttl" }),
    ]);
    // ?passing leaves out warning as well as critical.
    expect(await json(await consul(r, "/v1/health/service/web?passing"))).toEqual([]);
  });

  it("answers the catalog: services with the union of their tags, a service's nodes, the datacenters", async () => {
    const r = await registry();
    await register(r);
    await register(r, { ID: "web-2", Tags: ["canary"], Address: "10.0.0.6" });
    await r.heartbeat("db", { id: "db-1", address: "10.0.1.1:5432" });
    const services = await consul(r, "/v1/catalog/services");
    expect(await json(services)).toEqual({ db: [], web: ["canary", "primary"] });
    const one = await json(await consul(r, "/v1/catalog/service/web?tag=canary"));
    expect(one).toEqual([
      expect.objectContaining({
        ServiceID: "web-2",
        ServiceAddress: "10.0.0.6",
        ServicePort: 8080,
      }),
    ]);
    expect(await json(await consul(r, "/v1/catalog/datacenters"))).toEqual(["dc1"]);
    expect(await json(await consul(r, "/v1/status/leader"))).toMatch(/:8300$/);
    const self = await json(await consul(r, "/v1/agent/self"));
    expect(self.Config).toMatchObject({ Datacenter: "dc1", NodeName: "muster" });
  });

  it("gzips a long answer for a client that takes it", async () => {
    const r = await registry();
    for (const n of [1, 2, 3]) await register(r, { ID: `web-${n}` });
    const res = await consul(r, "/v1/health/service/web", {
      headers: { "Accept-Encoding": "gzip" },
    });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const entries = JSON.parse(gunzipSync(Buffer.from(await res.arrayBuffer())).toString());
    expect(entries.map((e: { Service: { ID: string } }) => e.Service.ID)).toEqual([
      "web-1",
      "web-2",
      "web-3",
    ]);
  });

  it("filters, never refuses, a read without the right; a public service reads without a token", async () => {
    const r = await registry(["web"]);
    await register(r);
    await r.heartbeat("db", { id: "db-1", address: "10.0.1.1:5432" });
    const anonymous = await consul(r, "/v1/health/service/db", { token: null });
    expect(anonymous.status).toBe(200);
    expect(await json(anonymous)).toEqual([]);
    expect(indexOf(anonymous)).toBeGreaterThanOrEqual(1);
    expect(anonymous.headers.get("x-consul-results-filtered-by-acls")).toBe("true");
    expect(await json(await consul(r, "/v1/health/service/web", { token: null }))).toHaveLength(1);
    expect(await json(await consul(r, "/v1/catalog/services", { token: null }))).toEqual({
      web: ["primary"],
    });
    const reader = await r.mint({ name: "db-reader", role: "read", services: ["db"] });
    expect(
      await json(await consul(r, "/v1/health/service/db", { token: reader.token })),
    ).toHaveLength(1);
    // Consul's other places for the token.
    const bearer = await consul(r, "/v1/health/service/db", {
      token: null,
      headers: { Authorization: `Bearer ${reader.token}` },
    });
    expect(await json(bearer)).toHaveLength(1);
    expect(
      await json(await consul(r, `/v1/health/service/db?token=${reader.token}`, { token: null })),
    ).toHaveLength(1);
  });

  it("refuses what it does not do with Consul's texts, never ignoring a parameter", async () => {
    const r = await registry();
    const cases: [string, number, string | RegExp][] = [
      ["/v1/health/service/web?passing=yes", 400, "Invalid value for ?passing"],
      ["/v1/health/service/web?wait=10&index=1", 400, "Invalid wait time"],
      ["/v1/health/service/web?index=-1", 400, "Invalid index"],
      ["/v1/health/service/web?dc=dc2", 500, "No path to datacenter"],
      [
        "/v1/health/service/web?filter=Service.Port%20%3D%3D%2080",
        400,
        /^muster does not implement \?filter/,
      ],
      ["/v1/agent/members", 404, /^muster does not serve \/v1\/agent\/members/],
    ];
    for (const [path, status, text] of cases) {
      const res = await consul(r, path);
      expect([path, res.status]).toEqual([path, status]);
      expect(await res.text()).toMatch(text);
    }
    // node-meta: muster's nodes carry none, so a pair matches nothing.
    await register(r);
    expect(await json(await consul(r, "/v1/health/service/web?node-meta=rack:a"))).toEqual([]);
    // Consul's lookups ignore case; muster's names are lowercase.
    expect(await json(await consul(r, "/v1/health/service/WEB"))).toHaveLength(1);
  });

  it("holds a blocking query until the check changes, then answers the new index", async () => {
    const r = await registry();
    await register(r, {}, { Status: "passing" });
    const first = await consul(r, "/v1/health/service/web");
    const index = indexOf(first);
    const pending = consul(r, `/v1/health/service/web?index=${index}&wait=30s`);
    await parked(r, "web");
    const started = Date.now();
    await consul(r, "/v1/agent/check/warn/service:web-1?note=slow", { method: "PUT" });
    const woke = await pending;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(indexOf(woke)).toBeGreaterThan(index);
    expect((await json(woke))[0].Checks[0]).toMatchObject({ Status: "warning", Output: "slow" });
  });

  it("answers a wait that runs out with the same index, and an index ahead at once", async () => {
    const r = await registry();
    await register(r);
    const index = indexOf(await consul(r, "/v1/health/service/web"));
    const started = Date.now();
    const timedOut = await consul(r, `/v1/health/service/web?index=${index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(indexOf(timedOut)).toBe(index);
    const ahead = await consul(r, `/v1/health/service/web?index=${index + 1_000_000}&wait=30s`);
    expect(indexOf(ahead)).toBe(index);
  });

  it("wakes a blocked catalog read on a new service", async () => {
    const r = await registry();
    await register(r);
    const index = indexOf(await consul(r, "/v1/catalog/services"));
    const pending = consul(r, `/v1/catalog/services?index=${index}&wait=30s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await r.heartbeat("db", { id: "db-1", address: "10.0.1.1:5432" });
    const woke = await pending;
    expect(indexOf(woke)).toBeGreaterThan(index);
    expect(await json(woke)).toEqual({ db: [], web: ["primary"] });
  });
});

describe("Consul's blocking queries where they are polled (Lambda's way)", () => {
  it("holds at most the deployment's wait, and refuses a watcher's re-ask of an unchanged index with 429", async () => {
    const r = await testRegistry(engine("sqlite"), {
      consul: () => ({ ...lambdaConsulBlocking(1, 5), pollMs: 100 }),
    });
    await register(r);
    const index = indexOf(await consul(r, "/v1/health/service/web"));
    const started = Date.now();
    const held = await consul(r, `/v1/health/service/web?index=${index}&wait=5m`);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(indexOf(held)).toBe(index);
    const again = await consul(r, `/v1/health/service/web?index=${index}&wait=5m`);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await again.text()).toMatch(
      /^Too Many Requests: this watcher was answered about this index/,
    );
    // Another process (container) knows from the store.
    r.advance(7);
    expect((await consul(r, `/v1/health/service/web?index=${index}&wait=5m`)).status).toBe(200);
    // A change answers at once, and the question about the new index is a new claim.
    await consul(r, "/v1/agent/check/pass/service:web-1", { method: "PUT" });
    const changed = await consul(r, `/v1/health/service/web?index=${index}&wait=5m`);
    expect(indexOf(changed)).toBeGreaterThan(index);
    expect(
      (await consul(r, `/v1/health/service/web?index=${indexOf(changed)}&wait=1s`)).status,
    ).toBe(200);
  });

  it("sees a write made elsewhere by looking at the index", async () => {
    const r = await testRegistry(engine("sqlite"), {
      consul: () => ({ ...lambdaConsulBlocking(10, 1), pollMs: 50 }),
    });
    await register(r, {}, { Status: "passing" });
    const index = indexOf(await consul(r, "/v1/health/service/web"));
    const pending = consul(r, `/v1/health/service/web?index=${index}&wait=10s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Through another process's store: no feed of this one hears it.
    const other = await r.another();
    await other.store.deregister(
      "web",
      "web-1",
      (await r.store.record("web", "web-1", r.clock.ms))?.owner ?? "",
      r.clock.ms,
    );
    const woke = await pending;
    expect(indexOf(woke)).toBeGreaterThan(index);
    expect(await json(woke)).toEqual([]);
  });
});
