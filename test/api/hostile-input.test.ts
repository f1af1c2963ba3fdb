import { describe, expect, it } from "vitest";
import { StaticPresignKeys } from "../../shared/auth/presign.js";
import { MAX_JSON_DEPTH, tooDeep } from "../../shared/http/json-depth.js";
import { engine } from "../engines/index.js";
import { json, TOKEN_A, testRegistry } from "../support/registry.js";

const PRESIGN = { k1: "presign-key-0123456789abcdef0123456789" };
const AUTH = { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" };
const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("inputs that answered 500 (issue 22's sweep) answer 400 naming the field", () => {
  it("a join URL whose service is not valid percent-encoding", async () => {
    const r = await testRegistry(engine("sqlite"), {
      security: { presign: new StaticPresignKeys(PRESIGN) },
    });
    const sig = "A".repeat(43);
    for (const path of [
      `/v1/services/%E0%A4/join/1.k1.${sig}`,
      `/v1/services/%E0%A4/join/1.k1.${sig}/bootstrap`,
      `/v1/services/%FF/join/1.k1.${sig}`,
      `/v1/services/a%/join/1.k1.${sig}`,
    ]) {
      const res = await r.app.request(path);
      expect(res.status, path).toBe(400);
      expect((await json(res)).error).toEqual({
        code: "invalid_input",
        message: "invalid service",
        issues: [{ path: "service", message: "is not valid percent-encoding (UTF-8)" }],
      });
    }
  });

  it("a batch item with a 100,000-deep array, and over-deep values anywhere in a body", async () => {
    const r = await testRegistry(engine("sqlite"));
    const deep = deepArray(100_000);
    const batch = await r.app.request("/v1/heartbeats", {
      method: "POST",
      headers: AUTH,
      body: `{"heartbeats":[{"service":"web","id":"a","address":"10.0.0.1:80","tags":${deep}}]}`,
    });
    expect(batch.status).toBe(400);
    expect((await json(batch)).error.issues).toEqual([
      { path: "heartbeats.0.tags.0.0.0.…", message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
    const single = await r.app.request("/v1/services/web/heartbeats", {
      method: "POST",
      headers: AUTH,
      body: `{"id":"a","address":"10.0.0.1:80","metadata":{"a":${deepArray(40)}}}`,
    });
    expect(single.status).toBe(400);
    expect((await json(single)).error.issues[0].path).toBe("metadata.a.0.0.0.0.…");
    const admin = await r.app.request("/v1/admin/tokens", {
      method: "POST",
      headers: AUTH,
      body: `{"name":${deepArray(5_000)}}`,
    });
    expect(admin.status).toBe(400);
    // As deep as the API's own bodies go is fine, and one level past the limit is not.
    expect(tooDeep(JSON.parse(deepArray(MAX_JSON_DEPTH)))).toBeUndefined();
    expect(tooDeep(JSON.parse(deepArray(MAX_JSON_DEPTH + 1)))).toBe("0.0.0.0.0.0.…");
  });

  it("a batch item's __proto__ is named as the single endpoint names it, at the top and in metadata", async () => {
    const r = await testRegistry(engine("sqlite"));
    const batch = (item: string) =>
      r.app.request("/v1/heartbeats", {
        method: "POST",
        headers: AUTH,
        body: `{"heartbeats":[{"service":"web","id":"ok","address":"10.0.0.1:80"},${item}]}`,
      });
    const top = await batch('{"service":"web","id":"a","address":"10.0.0.1:80","__proto__":{}}');
    expect(top.status).toBe(200);
    const [fine, named] = (await json(top)).results;
    expect(fine.status).toBe(201);
    expect(named.status).toBe(400);
    expect(named.body.error.issues).toEqual([
      { path: "__proto__", message: "is not a known field" },
    ]);
    const meta = await batch(
      '{"service":"web","id":"b","address":"10.0.0.1:80","metadata":{"__proto__":"x"}}',
    );
    expect((await json(meta)).results[1]).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: "metadata.__proto__" }] } },
    });
  });

  it("an address whose port has a leading zero is refused by name, not served as written", async () => {
    const r = await testRegistry(engine("sqlite"));
    for (const address of ["10.0.0.9:080", "[fd00::1]:0443", "db.example:08080"]) {
      const res = await r.heartbeat("web", { id: "a", address });
      expect(res.status, address).toBe(400);
      expect((await json(res)).error.issues).toEqual([
        {
          path: "address",
          message: "the port must be written without leading zeros (e.g. :80, not :080)",
        },
      ]);
    }
    expect((await r.heartbeat("web", { id: "a", address: "10.0.0.9:80" })).status).toBe(201);
  });
});

describe("http_sd labels of metadata keys that sanitise to one name", () => {
  it("keeps the key that needs no sanitising, else the first in code-unit order, whatever the order sent", async () => {
    const r = await testRegistry(engine("sqlite"));
    const bodies = [
      { id: "n1", address: "10.0.0.1:80", metadata: { "a.b": "dot", "a-b": "dash" } },
      { id: "n2", address: "10.0.0.2:80", metadata: { "a-b": "dash", "a.b": "dot" } },
      { id: "n3", address: "10.0.0.3:80", metadata: { "a.b": "dot", a_b: "exact", "a-b": "dash" } },
    ];
    for (const body of bodies) expect((await r.heartbeat("web", body)).status).toBe(201);
    const groups = (await json(await r.get("/v1/http_sd?service=web"))) as {
      labels: Record<string, string>;
    }[];
    const label = groups.map((g) => g.labels.__meta_muster_metadata_a_b);
    expect(label).toEqual(["dash", "dash", "exact"]);
  });
});
