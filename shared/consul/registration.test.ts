import { describe, expect, it } from "vitest";
import { decodeRegistration } from "./registration.js";

function ok(body: unknown) {
  const decoded = decodeRegistration(body);
  if (!decoded.ok) throw new Error(`refused: ${decoded.message}`);
  return decoded.value;
}

function refused(body: unknown) {
  const decoded = decodeRegistration(body);
  if (decoded.ok) throw new Error("accepted");
  return decoded.issues;
}

describe("decodeRegistration", () => {
  it("reads the body HashiCorp's Go client sends (api.AgentServiceRegistration)", () => {
    // Bytes of json.Encoder over the client's struct: Check and Checks are never omitted.
    const body = JSON.parse(
      '{"ID":"web-1","Name":"web","Tags":["primary","v1"],"Port":8080,"Address":"127.0.0.1",' +
        '"Meta":{"version":"1.2.3"},"Weights":{"Passing":3,"Warning":1},' +
        '"Check":{"TTL":"10s","DeregisterCriticalServiceAfter":"90s"},"Checks":null}',
    );
    expect(ok(body)).toEqual({
      name: "web",
      id: "web-1",
      tags: ["primary", "v1"],
      address: "127.0.0.1",
      port: 8080,
      meta: { version: "1.2.3" },
      weights: { passing: 3, warning: 1 },
      taggedAddresses: {},
      checks: [
        {
          checkId: "service:web-1",
          name: "Service 'web' check",
          status: "critical",
          notes: "",
          ttlMs: 10_000,
          deregisterCriticalAfterMs: 90_000,
        },
      ],
    });
  });

  it("defaults what Consul defaults: ID to the name, weights to 1, no check", () => {
    expect(ok(JSON.parse('{"Name":"api","Check":null,"Checks":null}'))).toMatchObject({
      id: "api",
      address: "",
      port: 0,
      tags: [],
      meta: {},
      weights: { passing: 1, warning: 1 },
      checks: [],
    });
  });

  it("reads the lowercase and snake_case keys the Python clients send", () => {
    const body = {
      name: "web",
      id: "web-2",
      address: "10.0.0.2",
      port: 9000,
      tags: ["a"],
      meta: { zone: "eu" },
      enabletagoverride: true,
      tagged_addresses: { lan: { address: "10.0.0.2", port: 9000 } },
      checks: [{ ttl: "15s", deregister_critical_service_after: "2m", status: "passing" }],
    };
    expect(ok(body)).toMatchObject({
      id: "web-2",
      taggedAddresses: { lan: { address: "10.0.0.2", port: 9000 } },
      checks: [{ checkId: "service:web-2", status: "passing", deregisterCriticalAfterMs: 120_000 }],
    });
  });

  it("numbers several checks service:<ID>:<n>, Check first, and keeps given IDs and names", () => {
    const value = ok({
      Name: "web",
      Check: { TTL: "10s" },
      Checks: [{ TTL: "20s", CheckID: "mine", Name: "disk" }, { TTL: 30e9 }],
    });
    expect(value.checks.map((c) => [c.checkId, c.name, c.ttlMs])).toEqual([
      ["service:web:1", "Service 'web' check", 10_000],
      ["mine", "disk", 20_000],
      ["service:web:3", "Service 'web' check", 30_000],
    ]);
  });

  it("skips an empty Check as Consul does, but not an empty entry of Checks", () => {
    expect(ok({ Name: "web", Check: {} }).checks).toEqual([]);
    // Every field at its zero value is "no check" to Consul, a TTL of 0s included.
    expect(ok({ Name: "web", Check: { TTL: "0s", Status: "" } }).checks).toEqual([]);
    expect(refused({ Name: "web", Checks: [{}] })).toEqual([
      { path: "Checks.0.TTL", message: "TTL must be > 0 for TTL checks" },
    ]);
  });

  it("raises a DeregisterCriticalServiceAfter under a minute to one, and drops one of 0", () => {
    const checks = ok({
      Name: "web",
      Checks: [
        { TTL: "5s", DeregisterCriticalServiceAfter: "10s" },
        { TTL: "5s", DeregisterCriticalServiceAfter: "0s" },
      ],
    }).checks;
    expect(checks.map((c) => c.deregisterCriticalAfterMs)).toEqual([60_000, null]);
  });

  it("lets a later duplicate key win, as Go's decoder does", () => {
    expect(ok({ Name: "first", name: "second" }).name).toBe("second");
  });

  it.each([
    ["HTTP", { HTTP: "http://127.0.0.1/health", Interval: "10s" }, "Check.HTTP", "HTTP checks"],
    ["TCP", { TCP: "127.0.0.1:80", Interval: "10s" }, "Check.TCP", "TCP checks"],
    ["gRPC", { GRPC: "127.0.0.1:9000", Interval: "10s" }, "Check.GRPC", "gRPC checks"],
    ["script", { Args: ["/bin/true"], Interval: "10s" }, "Check.ScriptArgs", "script checks"],
    ["script", { script_args: ["/bin/true"] }, "Check.ScriptArgs", "script checks"],
    ["Docker", { docker_container_id: "abc" }, "Check.DockerContainerID", "Docker checks"],
    ["alias", { AliasService: "db" }, "Check.AliasService", "alias checks"],
  ])("refuses a %s check, naming the field and the agent", (_kind, check, path, text) => {
    const [issue] = refused({ Name: "web", Check: check });
    expect(issue?.path).toBe(path);
    expect(issue?.message).toContain(text);
    expect(issue?.message).toContain("muster-agent consul");
  });

  it("accepts the zero values a client sends for the fields it does not use", () => {
    expect(
      ok({ Name: "web", Check: { TTL: "5s", HTTP: "", TCPUseTLS: false, Timeout: "1s" } }).checks,
    ).toHaveLength(1);
  });

  it.each([
    [{ Check: { TTL: "5s" } }, "Name", "Missing service name"],
    [{ Name: "" }, "Name", "Missing service name"],
    [{ Name: "Web_Server" }, "Name", "must be a DNS label"],
    [{ Name: "web", ID: "a/b" }, "ID", "must be 1-128 chars"],
    [{ Name: "web", Address: "0.0.0.0" }, "Address", "Invalid service address"],
    [{ Name: "web", Address: "not an address" }, "Address", "IP address or a DNS name"],
    [{ Name: "web", Port: 70000 }, "Port", ""],
    [{ Name: "web", Port: "80" }, "Port", ""],
    [{ Name: "web", Tags: [""] }, "Tags.0", ""],
    [{ Name: "web", Meta: { "a.b": "x" } }, "Meta.a.b", "invalid characters"],
    [{ Name: "web", Meta: { "consul-x": "x" } }, "Meta.consul-x", "reserved"],
    [{ Name: "web", Weights: { Warning: 1 } }, "Weights.Passing", "greater than 0"],
    [{ Name: "web", Weights: { Passing: 0 } }, "Weights.Passing", "greater than 0"],
    [{ Name: "web", Check: { TTL: "10s", Interval: "5s" } }, "Check.Interval", "cannot both"],
    [{ Name: "web", Checks: [{ TTL: "0s" }] }, "Checks.0.TTL", "TTL must be > 0"],
    [{ Name: "web", Check: { TTL: "-5s", Notes: "n" } }, "Check.TTL", "TTL must be > 0"],
    [{ Name: "web", Check: { TTL: "10" } }, "Check.TTL", "Go duration"],
    [{ Name: "web", Check: { TTL: "5s", Status: "up" } }, "Check.Status", "must 'passing'"],
    [{ Name: "web", Check: { TTL: "5s", Output: "x" } }, "Check.Output", "not a known field"],
    [{ Name: "web", Frobnicate: 1 }, "Frobnicate", "not a known field"],
    [{ Name: "web", Kind: "connect-proxy" }, "Kind", "not part of muster's Consul subset"],
    [{ Name: "web", Connect: { Native: true } }, "Connect", "not part of muster's Consul subset"],
    [{ Name: "web", Namespace: "team-a" }, "Namespace", "Enterprise"],
    [
      {
        Name: "web",
        Checks: [
          { TTL: "5s", CheckID: "x" },
          { TTL: "5s", CheckID: "x" },
        ],
      },
      "Checks.1.CheckID",
      "given twice",
    ],
  ])("refuses %j at %s", (body, path, text) => {
    const issues = refused(body);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)?.message).toContain(text);
  });

  it("refuses a __proto__ metadata key by name instead of dropping it", () => {
    const issues = refused(JSON.parse('{"Name":"web","Meta":{"__proto__":"x"}}'));
    expect(issues[0]?.path).toBe("Meta");
    expect(issues[0]?.message).toContain("__proto__");
  });

  it("accepts namespaces and partitions named default, as Consul CE does", () => {
    expect(ok({ Name: "web", Namespace: "default", Partition: "" }).name).toBe("web");
  });

  it("refuses a body that is not an object", () => {
    expect(refused([])[0]?.path).toBe("(body)");
    expect(refused("web")[0]?.path).toBe("(body)");
  });

  it("joins the issues into one line for a plain-text answer", () => {
    const decoded = decodeRegistration({ Name: "", Checks: [{ TTL: "0s" }] });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.message).toBe(
        "Name: Missing service name; Checks.0.TTL: TTL must be > 0 for TTL checks",
      );
    }
  });
});
