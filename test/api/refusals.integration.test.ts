import { describe, expect, it } from "vitest";
import { engines } from "../engines/index.js";
import { json, TOKEN_A, testRegistry } from "../support/registry.js";

const VALID = { id: "a", address: "10.0.0.1:80" };

function post(body: string, headers: Record<string, string>, service = "svc") {
  return new Request(`http://registry/v1/services/${service}/heartbeats`, {
    method: "POST",
    headers,
    body,
  });
}

const JSON_AUTH = { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" };

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await json(res);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error as {
    code: string;
    message: string;
    issues?: { path: string; message: string }[];
  };
}

describe.each(engines())("refusals on $name", (engine) => {
  it("answers 401 without a token or with a wrong one, reads included; /health is open", async () => {
    const r = await testRegistry(engine);
    const none = await r.get("/v1/services/svc/peers.json", {}, null);
    await expectError(none, 401, "unauthorized");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="muster"');
    await expectError(
      await r.get("/v1/services", {}, "not-a-token-0123456789"),
      401,
      "unauthorized",
    );
    await expectError(
      await r.get("/v1/services", { Authorization: "Basic dXNlcjpwYXNz" }, null),
      401,
      "unauthorized",
    );
    await expectError(
      await r.app.request(post(JSON.stringify(VALID), { "Content-Type": "application/json" })),
      401,
      "unauthorized",
    );
    await expectError(await r.remove("svc", "a", "wrong-token-0123456789"), 401, "unauthorized");
    expect((await r.get("/health", {}, null)).status).toBe(200);
  });

  it("refuses in the documented order: 401, 415, 413, 400", async () => {
    const r = await testRegistry(engine);
    const huge = JSON.stringify({ ...VALID, metadata: { big: "x".repeat(20_000) } });
    // Everything wrong at once: the token is what is reported.
    await expectError(
      await r.app.request(post("{", { "Content-Type": "text/plain" })),
      401,
      "unauthorized",
    );
    // With a token: the media type comes before the size...
    const auth = { Authorization: `Bearer ${TOKEN_A}` };
    await expectError(
      await r.app.request(post(huge, { ...auth, "Content-Type": "text/plain" })),
      415,
      "unsupported_media_type",
    );
    await expectError(await r.app.request(post(huge, auth)), 415, "unsupported_media_type");
    // ...the size before the syntax...
    await expectError(await r.app.request(post(`${huge}{{{`, JSON_AUTH)), 413, "payload_too_large");
    // ...and the syntax before the fields.
    const bad = await expectError(await r.app.request(post("{", JSON_AUTH)), 400, "invalid_json");
    expect(bad.issues?.[0]?.path).toBe("(body)");
  });

  it("accepts JSON media types with parameters or a +json suffix", async () => {
    const r = await testRegistry(engine);
    const res = await r.app.request(
      post(JSON.stringify(VALID), {
        ...JSON_AUTH,
        "Content-Type": "application/json; charset=utf-8",
      }),
    );
    expect(res.status).toBe(201);
    const res2 = await r.app.request(
      post(JSON.stringify({ ...VALID, id: "b" }), {
        ...JSON_AUTH,
        "Content-Type": "application/vnd.muster+json",
      }),
    );
    expect(res2.status).toBe(201);
  });

  it("answers 413 for a body over 16 KiB however it is sent", async () => {
    const r = await testRegistry(engine);
    const body = JSON.stringify({ ...VALID, version: "x".repeat(17 * 1024) });
    await expectError(await r.app.request(post(body, JSON_AUTH)), 413, "payload_too_large");
    // Streamed without a Content-Length.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(body));
        c.close();
      },
    });
    const streamed = new Request("http://registry/v1/services/svc/heartbeats", {
      method: "POST",
      headers: JSON_AUTH,
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectError(await r.app.request(streamed), 413, "payload_too_large");
  });

  // Each case: a body and the one field the 400 must name.
  const badFields: [string, Record<string, unknown>, string][] = [
    ["missing id", { address: "10.0.0.1:80" }, "id"],
    ["id with a slash", { ...VALID, id: "a/b" }, "id"],
    ["id too long", { ...VALID, id: "x".repeat(129) }, "id"],
    ["missing address", { id: "a" }, "address"],
    ["address without port", { ...VALID, address: "10.0.0.1" }, "address"],
    ["port 0", { ...VALID, address: "10.0.0.1:0" }, "address"],
    ["port 65536", { ...VALID, address: "10.0.0.1:65536" }, "address"],
    ["bad IPv4", { ...VALID, address: "300.1.1.1:80" }, "address"],
    ["unbracketed IPv6", { ...VALID, address: "2001:db8::1:80" }, "address"],
    ["bad DNS name", { ...VALID, address: "-bad-.example:80" }, "address"],
    ["address as number", { ...VALID, address: 8080 }, "address"],
    [
      "direct address",
      { ...VALID, direct_addresses: ["10.0.0.1:80", "nope"] },
      "direct_addresses.1",
    ],
    [
      "17 direct addresses",
      { ...VALID, direct_addresses: Array(17).fill("10.0.0.1:80") },
      "direct_addresses",
    ],
    ["relay_url ftp", { ...VALID, relay_url: "ftp://relay" }, "relay_url"],
    ["relay_url not a URL", { ...VALID, relay_url: "relay" }, "relay_url"],
    ["cluster_node_id negative", { ...VALID, cluster_node_id: -1 }, "cluster_node_id"],
    ["cluster_node_id fraction", { ...VALID, cluster_node_id: 1.5 }, "cluster_node_id"],
    ["cluster_node_id string", { ...VALID, cluster_node_id: "1" }, "cluster_node_id"],
    ["33 tags", { ...VALID, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, "tags"],
    ["tag too long", { ...VALID, tags: ["x".repeat(65)] }, "tags.0"],
    [
      "33 metadata keys",
      {
        ...VALID,
        metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])),
      },
      "metadata",
    ],
    ["metadata value too long", { ...VALID, metadata: { k: "x".repeat(513) } }, "metadata.k"],
    ["metadata value not a string", { ...VALID, metadata: { k: 1 } }, "metadata.k"],
    ["weight 0", { ...VALID, weight: 0 }, "weight"],
    ["weight 1001", { ...VALID, weight: 1001 }, "weight"],
    ["status unknown", { ...VALID, status: "up" }, "status"],
    ["ttl 4", { ...VALID, ttl: 4 }, "ttl"],
    ["ttl 3601", { ...VALID, ttl: 3601 }, "ttl"],
    ["ttl string", { ...VALID, ttl: "30" }, "ttl"],
    ["unknown field", { ...VALID, adress: "10.0.0.1:80" }, "adress"],
  ];

  it.each(badFields)("answers 400 naming the field: %s", async (_, body, path) => {
    const r = await testRegistry(engine);
    const error = await expectError(
      await r.app.request(post(JSON.stringify(body), JSON_AUTH)),
      400,
      "invalid_input",
    );
    expect(error.issues?.map((i) => i.path)).toContain(path);
    expect(error.message).toContain(path);
  });

  it.each([["[]"], ["null"], ["42"], ['"a"']])(
    "answers 400 for a body that is not an object: %s",
    async (body) => {
      const r = await testRegistry(engine);
      await expectError(await r.app.request(post(body, JSON_AUTH)), 400, "invalid_input");
    },
  );

  it("names a bad service, id or query parameter", async () => {
    const r = await testRegistry(engine);
    const svc = await expectError(
      await r.app.request(post(JSON.stringify(VALID), JSON_AUTH, "Bad_Name")),
      400,
      "invalid_input",
    );
    expect(svc.issues?.[0]?.path).toBe("service");
    const long = await expectError(
      await r.get(`/v1/services/${"a".repeat(64)}/peers.txt`),
      400,
      "invalid_input",
    );
    expect(long.issues?.[0]?.path).toBe("service");
    const id = await expectError(
      await r.get("/v1/services/s/instances/a%20b/registry.json"),
      400,
      "invalid_input",
    );
    expect(id.issues?.[0]?.path).toBe("id");
    const status = await expectError(
      await r.get("/v1/services/s/peers.json?status=up"),
      400,
      "invalid_input",
    );
    expect(status.issues?.[0]?.path).toBe("status");
    const tag = await expectError(
      await r.get(`/v1/services/s/instances?tag=${"x".repeat(65)}`),
      400,
      "invalid_input",
    );
    expect(tag.issues?.[0]?.path).toBe("tag.0");
  });

  it("never answers odd requests with a 5xx", async () => {
    const r = await testRegistry(engine);
    const odd = [
      "/v1/services/%ff%fe/peers.txt",
      "/v1/services/%2e%2e/instances",
      "/v1/services/s/instances/%2Fetc%2Fpasswd/registry.json",
      "/v1/services/ünïcødé/srv",
      "/v1/services/s/peers.json?tag=",
      `/v1/services/s/instances/${"x".repeat(5000)}/registry.json`,
      "/v1/nothing-here",
      "/v1/services/s",
    ];
    for (const path of odd) {
      const res = await r.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect((await json(res)).error.code, path).toBeTypeOf("string");
    }
    const wrongMethod = await r.app.request("/v1/services/s/peers.json", {
      method: "PUT",
      headers: JSON_AUTH,
      body: "{}",
    });
    expect(wrongMethod.status).toBe(404);
  });

  it("treats a refused write as a no-op", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("svc", { ...VALID, weight: 7 });
    await r.app.request(post(JSON.stringify({ ...VALID, weight: 1001 }), JSON_AUTH));
    const { instances } = await json(await r.get("/v1/services/svc/instances"));
    expect(instances[0].weight).toBe(7);
  });
});
