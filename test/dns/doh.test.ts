import * as packet from "dns-packet";
import { beforeAll, describe, expect, it } from "vitest";
import { TokenSet } from "../../shared/auth/tokens.js";
import { idLabel } from "../../shared/dns/names.js";
import { createApp } from "../../shared/http/app.js";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { DynamoStore } from "../../shared/store/dynamodb/store.js";
import { engine } from "../engines/index.js";
import { json, type TestRegistry, TOKEN_A, testRegistry } from "../support/registry.js";

const ZONE = "muster.internal";

function query(name: string, type: packet.RecordType | "ANY", id = 4242): Buffer {
  return packet.encode({
    type: "query",
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: type as packet.RecordType, class: "IN" }],
  });
}

/** Asks over DoH with GET (`?dns=`) or POST; returns the decoded answer and the response. */
async function ask(
  r: Pick<TestRegistry, "app">,
  name: string,
  type: packet.RecordType | "ANY",
  options: { token?: string; method?: "GET" | "POST"; header?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { Accept: "application/dns-message", ...options.header };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const q = query(name, type);
  const res =
    options.method === "POST"
      ? await r.app.request("/dns-query", {
          method: "POST",
          headers: { ...headers, "Content-Type": "application/dns-message" },
          body: new Uint8Array(q),
        })
      : await r.app.request(`/dns-query?dns=${q.toString("base64url")}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/dns-message");
  const message = packet.decode(Buffer.from(await res.arrayBuffer()));
  expect(message.id).toBe(4242);
  expect(message.flag_qr).toBe(true);
  expect(message.flag_aa).toBe(true);
  return { res, message };
}

/** dns-packet decodes the rcode as a name; its type declarations leave it out. */
const rcodeOf = (m: packet.DecodedPacket) => (m as packet.DecodedPacket & { rcode: string }).rcode;

const data = (answers: packet.Answer[] | undefined) =>
  (answers ?? []).map((a) => ("data" in a ? a.data : undefined));

describe("DNS over HTTPS (RFC 8484) on the app", () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await testRegistry(engine("sqlite"), { publicServices: ["web"] });
    const beats = [
      { id: "node-1", address: "10.0.0.1:8080", weight: 3 },
      { id: "node-2", address: "10.0.0.2:8080", status: "warning" },
      { id: "node-3", address: "10.0.0.3:8080", status: "critical" },
      { id: "Node.Upper_1", address: "[fd00::7]:9090" },
      { id: "db-1", address: "db1.example.internal:5432" },
    ];
    for (const beat of beats) expect((await r.heartbeat("web", beat)).status).toBe(201);
    expect((await r.heartbeat("secret", { id: "s-1", address: "10.9.0.1:1" })).status).toBe(201);
  });

  it("answers _<service>._tcp SRV with every non-critical instance, targets under the zone or the host itself", async () => {
    const { message, res } = await ask(r, `_web._tcp.${ZONE}`, "SRV");
    expect(rcodeOf(message)).toBe("NOERROR");
    const byTarget = Object.fromEntries(
      data(message.answers).map((d) => [(d as packet.SrvData).target, d]),
    );
    expect(byTarget).toEqual({
      [`node-1.web.${ZONE}`]: { priority: 0, weight: 3, port: 8080, target: `node-1.web.${ZONE}` },
      [`node-2.web.${ZONE}`]: { priority: 1, weight: 1, port: 8080, target: `node-2.web.${ZONE}` },
      [`${idLabel("Node.Upper_1")}.web.${ZONE}`]: {
        priority: 0,
        weight: 1,
        port: 9090,
        target: `${idLabel("Node.Upper_1")}.web.${ZONE}`,
      },
      // A host name is the target as it is: no CNAME under the zone.
      "db1.example.internal": {
        priority: 0,
        weight: 1,
        port: 5432,
        target: "db1.example.internal",
      },
    });
    expect(message.answers?.every((a) => (a as packet.SrvAnswer).ttl === 5)).toBe(true);
    // Glue: the address records of the targets under the zone.
    expect(
      message.additionals?.map((a) => [a.name, a.type, (a as packet.StringAnswer).data]),
    ).toEqual(
      expect.arrayContaining([
        [`node-1.web.${ZONE}`, "A", "10.0.0.1"],
        [`${idLabel("Node.Upper_1")}.web.${ZONE}`, "AAAA", "fd00::7"],
      ]),
    );
    expect(res.headers.get("cache-control")).toBe("max-age=5");
  });

  it("answers <service>.<zone> A and AAAA with the passing instances only", async () => {
    const a = await ask(r, `web.${ZONE}`, "A", { method: "POST" });
    expect(data(a.message.answers)).toEqual(["10.0.0.1"]);
    const aaaa = await ask(r, `web.${ZONE}`, "AAAA");
    expect(data(aaaa.message.answers)).toEqual(["fd00::7"]);
  });

  it("encodes ids that are not DNS labels stably, and answers the instance's own name", async () => {
    const label = idLabel("Node.Upper_1");
    expect(label).toMatch(/^h--[0-9a-f]{32}$/);
    expect(idLabel("Node.Upper_1")).toBe(label);
    expect(idLabel("node.upper_1")).not.toBe(label);
    expect(idLabel("node-1")).toBe("node-1");
    // A plain label that looks like an encoded one is encoded too, so the two never meet.
    expect(idLabel(label)).not.toBe(label);
    const { message } = await ask(r, `${label}.web.${ZONE}`, "AAAA");
    expect(data(message.answers)).toEqual(["fd00::7"]);
    // Names are case-insensitive; the answer keeps the asker's spelling.
    const upper = await ask(r, `NODE-1.WEB.MUSTER.INTERNAL`, "A");
    expect(data(upper.message.answers)).toEqual(["10.0.0.1"]);
  });

  it("answers NXDOMAIN for unknown names and NODATA for a known name without the type, each with the SOA", async () => {
    for (const name of [
      `node-9.web.${ZONE}`,
      `node-3.web.${ZONE}`,
      `_nope._tcp.${ZONE}`,
      `x.y.z.${ZONE}`,
    ]) {
      const { message, res } = await ask(r, name, "A", { token: TOKEN_A });
      expect(rcodeOf(message), name).toBe("NXDOMAIN");
      expect(message.answers).toEqual([]);
      expect(message.authorities?.map((a) => [a.type, a.name])).toEqual([["SOA", ZONE]]);
      expect(message.authorities?.[0]).toMatchObject({ data: { minimum: 5 } });
      expect(res.headers.get("cache-control")).toBe("max-age=5");
    }
    for (const [name, type] of [
      [`node-1.web.${ZONE}`, "AAAA"],
      [`db-1.web.${ZONE}`, "A"],
      [`_web._tcp.${ZONE}`, "A"],
      [`web.${ZONE}`, "TXT"],
      [`_tcp.${ZONE}`, "SRV"],
    ] as const) {
      const { message } = await ask(r, name, type);
      expect(rcodeOf(message), `${name} ${type}`).toBe("NOERROR");
      expect(message.answers).toEqual([]);
      expect(message.authorities?.map((a) => a.type)).toEqual(["SOA"]);
    }
    const soa = await ask(r, ZONE, "SOA");
    expect(soa.message.answers?.[0]).toMatchObject({
      type: "SOA",
      data: { mname: `ns.${ZONE}`, rname: `hostmaster.${ZONE}`, minimum: 5 },
    });
  });

  it("answers only public services without a token, a token's services with one, NXDOMAIN for the rest of the zone, REFUSED outside it", async () => {
    const anonymous = await ask(r, `_secret._tcp.${ZONE}`, "SRV");
    // A service the asker may not read does not exist for it: NXDOMAIN with the SOA, which
    // resolvers cache, exactly as for a service that does not exist (DNS does not list them).
    expect(rcodeOf(anonymous.message)).toBe("NXDOMAIN");
    expect(anonymous.message.authorities?.map((a) => a.type)).toEqual(["SOA"]);
    const nothing = await ask(r, `_nothing._tcp.${ZONE}`, "SRV");
    expect(rcodeOf(nothing.message)).toBe("NXDOMAIN");
    expect(nothing.message.authorities).toEqual(anonymous.message.authorities);
    const withToken = await ask(r, `_secret._tcp.${ZONE}`, "SRV", { token: TOKEN_A });
    expect(data(withToken.message.answers)).toEqual([
      { priority: 0, weight: 1, port: 1, target: `s-1.secret.${ZONE}` },
    ]);
    expect(withToken.res.headers.get("vary")).toBe("Authorization, X-Muster-Token");
    // Through CloudFront: the token in X-Muster-Token, Authorization holding OAC's signature.
    const throughCloudFront = await ask(r, `_secret._tcp.${ZONE}`, "SRV", {
      header: {
        "X-Muster-Token": TOKEN_A,
        Authorization: "AWS4-HMAC-SHA256 Credential=ASIAX/20261201/us-east-1/lambda/aws4_request",
      },
    });
    expect(data(throughCloudFront.message.answers)).toHaveLength(1);
    const signedOnly = await ask(r, `_secret._tcp.${ZONE}`, "SRV", {
      header: {
        Authorization: "AWS4-HMAC-SHA256 Credential=ASIAX/20261201/us-east-1/lambda/aws4_request",
      },
    });
    expect(rcodeOf(signedOnly.message)).toBe("NXDOMAIN");
    const { token } = await r.mint({ name: "web-reader", role: "read", services: ["web"] });
    expect(rcodeOf((await ask(r, `s-1.secret.${ZONE}`, "A", { token })).message)).toBe("NXDOMAIN");
    // Outside the zone muster is not authoritative: REFUSED, with nothing in authority.
    const outside = await ask(r, "example.com", "A");
    expect(rcodeOf(outside.message)).toBe("REFUSED");
    expect(outside.message.authorities).toEqual([]);
  });

  it("refuses what is not a DNS query with 4xx JSON naming the field", async () => {
    const bad = await r.app.request("/dns-query?dns=AAAA==");
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe("dns");
    const none = await r.app.request("/dns-query");
    expect(none.status).toBe(400);
    const garbage = await r.app.request(
      `/dns-query?dns=${Buffer.from("xy").toString("base64url")}`,
    );
    expect(garbage.status).toBe(400);
    expect((await json(garbage)).error.code).toBe("invalid_dns_message");
    const wrongType = await r.app.request("/dns-query", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(wrongType.status).toBe(415);
    const badToken = await r.app.request(
      `/dns-query?dns=${query(`web.${ZONE}`, "A").toString("base64url")}`,
      { headers: { Authorization: "Bearer not-a-token-0123456789" } },
    );
    expect(badToken.status).toBe(401);
    const badHeader = await r.app.request(
      `/dns-query?dns=${query(`web.${ZONE}`, "A").toString("base64url")}`,
      { headers: { "X-Muster-Token": "not-a-token-0123456789" } },
    );
    expect(badHeader.status).toBe(401);
    // A response sent as a query is not a query.
    const response = packet.encode({ type: "response", id: 1, questions: [] });
    const notQuery = await r.app.request(`/dns-query?dns=${response.toString("base64url")}`);
    expect(notQuery.status).toBe(400);
  });

  it("answers 503 with Retry-After when the store is down (fault injected: no engine listening)", async () => {
    const client = createDynamoClient({
      endpoint: "http://127.0.0.1:1",
      region: "local",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const app = createApp({
      store: new DynamoStore({ client, tableName: "muster" }),
      tokens: new TokenSet([TOKEN_A]),
      publicServices: new Set(["web"]),
    });
    const res = await app.request(
      `/dns-query?dns=${query(`web.${ZONE}`, "A").toString("base64url")}`,
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    client.destroy();
  });
});
