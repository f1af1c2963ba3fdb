import { describe, expect, it } from "vitest";
import { engine } from "../engines/index.js";
import { consul, goRegistration, indexOf } from "../support/consul.js";
import { json, TOKEN_A, TOKEN_B, testRegistry } from "../support/registry.js";

const registry = () => testRegistry(engine("sqlite"), { consul: "local" });

const put = (
  r: Awaited<ReturnType<typeof registry>>,
  path: string,
  body?: unknown,
  token?: string | null,
) => consul(r, path, { method: "PUT", body, token });

async function health(r: Awaited<ReturnType<typeof registry>>, query = "") {
  const res = await consul(r, `/v1/health/service/web${query}`);
  expect(res.status).toBe(200);
  return { index: indexOf(res), entries: await json(res) };
}

const checkOf = (
  entries: {
    Service: { ID: string };
    Checks: { CheckID: string; Status: string; Output: string }[];
  }[],
  id = "web-1",
) => entries.find((e) => e.Service.ID === id)?.Checks[0];

describe("the agent endpoints' writes (local mode, SQLite)", () => {
  it("registers a TTL check critical first, as Consul answers: 200 and no body", async () => {
    const r = await registry();
    const res = await put(r, "/v1/agent/service/register", goRegistration());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const { entries, index } = await health(r);
    expect(index).toBeGreaterThanOrEqual(2);
    expect(checkOf(entries)).toMatchObject({ CheckID: "service:web-1", Status: "critical" });
    expect(entries[0].Service).toMatchObject({
      ID: "web-1",
      Service: "web",
      Address: "10.0.0.5",
      Port: 8080,
    });
    expect((await health(r, "?passing")).entries).toEqual([]);
  });

  it("passes the check with UpdateTTL's body, and the index moves; a repeat does not move it", async () => {
    const r = await registry();
    await put(r, "/v1/agent/service/register", goRegistration());
    const before = await health(r);
    const res = await put(r, "/v1/agent/check/update/service:web-1", {
      Status: "passing",
      Output: "ok",
    });
    expect(res.status).toBe(200);
    const after = await health(r, "?passing=1&tag=PRIMARY");
    expect(after.index).toBeGreaterThan(before.index);
    expect(checkOf(after.entries)).toMatchObject({ Status: "passing", Output: "ok" });
    // A second second later: nothing a reader sees changed, so nothing moves (and nothing is written).
    r.advance(1);
    expect((await put(r, "/v1/agent/check/pass/service:web-1?note=ok")).status).toBe(200);
    expect((await health(r)).index).toBe(after.index);
    // Past a tenth of the TTL the same pass is written (the TTL starts again), unseen by readers.
    r.advance(2);
    expect((await put(r, "/v1/agent/check/pass/service:web-1?note=ok")).status).toBe(200);
    expect((await health(r)).index).toBe(after.index);
  });

  it("turns the check critical when its TTL runs out, in Consul's view and in muster's own lists", async () => {
    const r = await registry();
    await put(r, "/v1/agent/service/register", goRegistration({}, { Status: "passing" }));
    const before = await health(r, "?passing");
    expect(before.entries).toHaveLength(1);
    r.advance(11);
    const after = await health(r);
    expect(after.index).toBeGreaterThan(before.index);
    expect(checkOf(after.entries)).toMatchObject({ Status: "critical", Output: "TTL expired" });
    expect((await health(r, "?passing")).entries).toEqual([]);
    const own = await json(await r.get("/v1/services/web/instances"));
    expect(own.instances[0]).toMatchObject({ id: "web-1", status: "critical", source: "consul" });
    expect(own.instances[0].checks[0]).toMatchObject({
      check_id: "service:web-1",
      status: "critical",
      output: "TTL expired",
      ttl: 10,
    });
    const sd = await json(await r.get("/v1/http_sd?service=web"));
    expect(sd[0].labels).toMatchObject({
      __meta_muster_status: "critical",
      __meta_muster_source: "consul",
    });
    // A pass brings it back.
    await put(r, "/v1/agent/check/pass/service:web-1");
    expect(checkOf((await health(r)).entries)?.Status).toBe("passing");
  });

  it("removes an instance DeregisterCriticalServiceAfter (at least a minute) after it turned critical", async () => {
    const r = await registry();
    await put(
      r,
      "/v1/agent/service/register",
      goRegistration({}, { Status: "passing", DeregisterCriticalServiceAfter: "10s" }),
    );
    r.advance(10 + 59);
    expect((await health(r)).entries).toHaveLength(1);
    const kept = await health(r);
    r.advance(2);
    const gone = await health(r);
    expect(gone.entries).toEqual([]);
    expect(gone.index).toBeGreaterThan(kept.index);
    // Its IDs went with it, as on Consul's agent after the reaper.
    expect((await put(r, "/v1/agent/check/pass/service:web-1")).status).toBe(404);
  });

  it("keeps a check's state when the service is registered again", async () => {
    const r = await registry();
    await put(r, "/v1/agent/service/register", goRegistration());
    await put(r, "/v1/agent/check/update/service:web-1", { Status: "passing", Output: "up" });
    await put(r, "/v1/agent/service/register", goRegistration({ Tags: ["primary", "v2"] }));
    const { entries } = await health(r);
    expect(checkOf(entries)).toMatchObject({ Status: "passing", Output: "up" });
    expect(entries[0].Service.Tags).toEqual(["primary", "v2"]);
  });

  it("reads Python clients' lowercase keys, and numbers them service:<ID>:<n> for several checks", async () => {
    const r = await registry();
    const res = await put(r, "/v1/agent/service/register", {
      name: "web",
      id: "web-2",
      address: "10.0.0.6",
      port: 9000,
      checks: [{ ttl: "30s" }, { TTL: "30s", status: "passing" }],
    });
    expect(res.status).toBe(200);
    const { entries } = await health(r);
    expect(
      entries[0].Checks.map((c: { CheckID: string; Status: string }) => [c.CheckID, c.Status]),
    ).toEqual([
      ["service:web-2:1", "critical"],
      ["service:web-2:2", "passing"],
    ]);
    // ?replace-existing-checks drops the checks a registration no longer names.
    const replaced = await put(r, "/v1/agent/service/register?replace-existing-checks", {
      name: "web",
      id: "web-2",
      address: "10.0.0.6",
      port: 9000,
      check: { ttl: "30s", checkid: "only" },
    });
    expect(replaced.status).toBe(200);
    expect((await health(r)).entries[0].Checks.map((c: { CheckID: string }) => c.CheckID)).toEqual([
      "only",
    ]);
  });

  it("answers an unknown check and an unknown service as Consul: 404 with its text", async () => {
    const r = await registry();
    const check = await put(r, "/v1/agent/check/update/nope", { Status: "passing" });
    expect(check.status).toBe(404);
    expect(check.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await check.text()).toBe(
      'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
    );
    const service = await put(r, "/v1/agent/service/deregister/nope");
    expect(service.status).toBe(404);
    expect(await service.text()).toBe(
      'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.',
    );
  });

  it("deregisters: 200, gone from every list, and its check unknown after", async () => {
    const r = await registry();
    await put(r, "/v1/agent/service/register", goRegistration());
    const res = await put(r, "/v1/agent/service/deregister/web-1");
    expect(res.status).toBe(200);
    expect((await health(r)).entries).toEqual([]);
    expect((await put(r, "/v1/agent/check/pass/service:web-1")).status).toBe(404);
    expect((await put(r, "/v1/agent/service/deregister/web-1")).status).toBe(404);
  });

  it("refuses with Consul's texts: a status, a check muster cannot run, a missing check, an unknown field", async () => {
    const r = await registry();
    await put(r, "/v1/agent/service/register", goRegistration());
    const status = await put(r, "/v1/agent/check/update/service:web-1", { Status: "up" });
    expect([status.status, await status.text()]).toEqual([400, "Invalid check status: 'up'"]);
    const http = await put(
      r,
      "/v1/agent/service/register",
      goRegistration({ Check: { HTTP: "http://127.0.0.1:1/", Interval: "10s" } }),
    );
    expect(http.status).toBe(400);
    expect(await http.text()).toMatch(
      /^Invalid check: Check\.HTTP: HTTP checks need a process on the node .*muster-agent consul/,
    );
    const none = await put(r, "/v1/agent/service/register", goRegistration({ Check: null }));
    expect(none.status).toBe(400);
    expect(await none.text()).toMatch(/^Invalid check: muster needs a TTL check/);
    const frob = await put(r, "/v1/agent/service/register", { ...goRegistration(), Frob: 1 });
    expect([frob.status, await frob.text()]).toEqual([
      400,
      'Request decode failed: json: unknown field "Frob"',
    ]);
    const name = await put(r, "/v1/agent/service/register", goRegistration({ Name: "" }));
    expect([name.status, await name.text()]).toEqual([400, "Missing service name"]);
    const address = await put(r, "/v1/agent/service/register", goRegistration({ Address: "" }));
    expect(address.status).toBe(400);
    expect(await address.text()).toMatch(/^Invalid service address: Address is required here/);
    const wrongMethod = await consul(r, "/v1/agent/service/register");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("OPTIONS,PUT");
  });

  it("answers a token it does not know ACL not found, and a token without the right Permission denied", async () => {
    const r = await registry();
    const wrong = await put(
      r,
      "/v1/agent/service/register",
      goRegistration(),
      "not-a-token-0123456789",
    );
    expect([wrong.status, await wrong.text()]).toEqual([403, "ACL not found"]);
    expect(
      (await consul(r, "/v1/health/service/web", { token: "not-a-token-0123456789" })).status,
    ).toBe(403);
    const reader = await r.mint({ name: "reader", role: "read", services: ["web"] });
    const denied = await put(r, "/v1/agent/service/register", goRegistration(), reader.token);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(
      /^Permission denied: token with AccessorID 'tok_[0-9a-f]{16}' lacks permission 'service:write' on "web"$/,
    );
    const anonymous = await put(r, "/v1/agent/service/register", goRegistration(), null);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toMatch(/^Permission denied: anonymous token lacks permission/);
    // Another token's instance of the same ID is not taken over.
    await put(r, "/v1/agent/service/register", goRegistration());
    const taken = await put(r, "/v1/agent/service/register", goRegistration(), TOKEN_B);
    expect(taken.status).toBe(403);
    expect(await taken.text()).toMatch(/registered with another token/);
    // Each token is its own agent: B does not see A's check ID.
    expect((await put(r, "/v1/agent/check/pass/service:web-1", undefined, TOKEN_B)).status).toBe(
      404,
    );
    expect(TOKEN_A).not.toBe(TOKEN_B);
  });
});
