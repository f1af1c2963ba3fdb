import { describe, expect, it } from "vitest";
import { DefinitionError, readRegistration } from "./definitions.js";

const node = { address: "10.0.0.9", name: "node-a" };

describe("readRegistration (muster-agent consul)", () => {
  it("makes an ID left to default unique per node, and fills in the node's address", () => {
    const reg = readRegistration(
      { Name: "web", Port: 80, Tags: ["a"], Check: { TTL: "10s" } },
      node,
    );
    expect(reg).toMatchObject({ id: "web", upstreamId: "web-node-a", name: "web" });
    expect(reg.upstream).toEqual({
      Name: "web",
      ID: "web-node-a",
      Address: "10.0.0.9",
      Port: 80,
      Tags: ["a"],
    });
    expect(reg.checks).toEqual([
      expect.objectContaining({
        checkId: "service:web",
        upstreamId: "service:web-node-a",
        status: "critical",
        kind: { kind: "ttl", ttlMs: 10_000 },
      }),
    ]);
  });

  it("keeps an explicit ID and address, and numbers several checks as Consul does", () => {
    const reg = readRegistration(
      {
        name: "web",
        id: "web-1",
        address: "10.0.0.5",
        checks: [
          {
            http: "http://127.0.0.1:8080/health",
            interval: "5s",
            timeout: "1s",
            status: "passing",
          },
          { tcp: "127.0.0.1:8080", interval: "10s" },
          { args: ["/bin/true"], interval: "30s", deregister_critical_service_after: "1m" },
        ],
      },
      node,
    );
    expect(reg.upstream).toMatchObject({ ID: "web-1", Address: "10.0.0.5" });
    expect(reg.checks.map((c) => [c.checkId, c.upstreamId, c.status, c.kind.kind])).toEqual([
      ["service:web-1:1", "service:web-1:1", "passing", "http"],
      ["service:web-1:2", "service:web-1:2", "critical", "tcp"],
      ["service:web-1:3", "service:web-1:3", "critical", "script"],
    ]);
    expect(reg.checks[0]?.kind).toEqual({
      kind: "http",
      url: "http://127.0.0.1:8080/health",
      intervalMs: 5_000,
      timeoutMs: 1_000,
    });
    expect(reg.checks[2]?.deregisterAfter).toBe("1m");
  });

  it("gives a check-less service the agent's own heartbeat check", () => {
    const reg = readRegistration({ Name: "cache", ID: "cache-1", Check: {} }, node);
    expect(reg.checks).toEqual([
      expect.objectContaining({
        checkId: "muster-agent:cache-1",
        status: "passing",
        kind: { kind: "agent" },
      }),
    ]);
  });

  it.each([
    [{ Port: 80 }, "Missing service name"],
    [
      { Name: "web", Check: { HTTP: "http://x/" } },
      "Invalid check: Check: HTTP checks need an Interval",
    ],
    [
      { Name: "web", Check: { TTL: "10s", Interval: "10s" } },
      "Invalid check: Interval and TTL cannot both be specified",
    ],
    [
      { Name: "web", Check: { GRPC: "127.0.0.1:9000", Interval: "10s" } },
      "Invalid check: Check.GRPC: muster-agent runs TTL, HTTP, TCP and script checks only",
    ],
    [
      { Name: "web", Check: { TTL: "ten" } },
      "Invalid check: Check.TTL: must be a Go duration such as 10s, 1m or 1h30m",
    ],
    [[], "Request decode failed: not a JSON object"],
  ])("refuses %j: %s", (body, message) => {
    expect(() => readRegistration(body, node)).toThrow(new DefinitionError(message));
  });
});
