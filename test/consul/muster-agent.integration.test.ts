import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent, removeAgent, spawnAgent, waitFor } from "../agent/support.js";
import { runApiClient } from "../support/consul-clients.js";
import { CONSUL_TOKEN, type ConsulTarget, localTarget } from "../support/consul-targets.js";

/**
 * `muster-agent consul` on a node, in front of a registry (local mode): HashiCorp's Go client
 * pointed at the agent as at Consul's own (127.0.0.1:8500), checks the agent runs, and what
 * the registry holds before and after the agent stops.
 */
describe("muster-agent consul", () => {
  let target: ConsulTarget;
  let bundle: string;
  beforeAll(async () => {
    [target, bundle] = await Promise.all([localTarget(), buildAgent()]);
  }, 120_000);
  afterAll(async () => {
    await target?.stop();
    await removeAgent(bundle);
  });

  const startAgent = async (node: string, ttlSeconds = 10) => {
    const agent = spawnAgent(
      bundle,
      [
        "consul",
        "--registry",
        target.url,
        "--listen",
        "127.0.0.1:0",
        "--node",
        node,
        "--address",
        "127.0.0.9",
        "--ttl",
        String(ttlSeconds),
      ],
      { MUSTER_TOKEN: CONSUL_TOKEN },
    );
    const line = await waitFor(
      "the agent's listening line",
      () => /listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(agent.output())?.[1],
      {
        timeoutMs: 15_000,
      },
    );
    return { agent, address: line };
  };

  /** What the registry itself serves for a service, through its Consul API. */
  const registryHealth = async (service: string) => {
    const res = await fetch(`${target.url}/v1/health/service/${service}`, {
      headers: { "X-Consul-Token": CONSUL_TOKEN },
    });
    return (await res.json()) as {
      Service: { ID: string; Address: string };
      Checks: { CheckID: string; Status: string; Output: string }[];
    }[];
  };

  it("answers HashiCorp's Go client's scenario as Consul's agent would", async () => {
    const { agent, address } = await startAgent("node-a");
    try {
      const run = await runApiClient(address, target.token, "scenario", [
        "-service",
        "web",
        "-id",
        "web-1",
        "-tag",
        "primary",
        "-ttl",
        "6s",
        "-wrong-token",
        "not-a-muster-token-0123456789",
        "-read-only-token",
        target.readOnlyToken,
        "-expiry-bound",
        "30s",
      ]);
      const done = run.lines.find((l) => l.step === "done");
      expect(done?.extra?.failures, `${run.stderr}\n${agent.output()}`).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.lines.find((l) => l.step === "agent-self")?.result.Config).toMatchObject({
        Datacenter: "dc1",
        NodeName: "node-a",
      });
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  }, 90_000);

  it("runs an HTTP check on the node, and deregisters its service when it stops", async () => {
    let healthy = true;
    const app: Server = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503);
      res.end();
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const port = (app.address() as AddressInfo).port;
    const { agent, address } = await startAgent("node-b");
    try {
      // No ID and no Address, as many programs register with their local agent.
      const res = await fetch(`http://${address}/v1/agent/service/register`, {
        method: "PUT",
        body: JSON.stringify({
          Name: "api",
          Port: port,
          Check: { HTTP: `http://127.0.0.1:${port}/health`, Interval: "500ms" },
        }),
      });
      expect([res.status, await res.text()]).toEqual([200, ""]);
      const passing = await waitFor("the HTTP check passing in the registry", async () => {
        const [entry] = await registryHealth("api");
        return entry?.Checks[0]?.Status === "passing" && entry;
      });
      // The node's address and name stand in for what the program left out.
      expect(passing.Service).toMatchObject({ ID: "api-node-b", Address: "127.0.0.9" });
      expect(passing.Checks[0]).toMatchObject({
        CheckID: "service:api-node-b",
        Output: expect.stringMatching(/HTTP 200/),
      });
      healthy = false;
      await waitFor(
        "the HTTP check critical in the registry",
        async () => (await registryHealth("api"))[0]?.Checks[0]?.Status === "critical",
      );
      // Updating a check the agent runs is Consul's refusal: it has no TTL.
      const update = await fetch(`http://${address}/v1/agent/check/pass/service:api`, {
        method: "PUT",
      });
      expect([update.status, await update.text()]).toEqual([
        500,
        'CheckID "service:api" does not have associated TTL',
      ]);
    } finally {
      expect(await agent.stop()).toBe(0);
      app.close();
    }
    expect(await registryHealth("api")).toEqual([]);
  }, 60_000);

  it("keeps a check-less service alive with its own heartbeat check", async () => {
    const { agent, address } = await startAgent("node-c", 5);
    try {
      const res = await fetch(`http://${address}/v1/agent/service/register`, {
        method: "PUT",
        body: JSON.stringify({ Name: "cache", ID: "cache-1", Port: 6379 }),
      });
      expect(res.status).toBe(200);
      const [entry] = await registryHealth("cache");
      expect(entry?.Checks).toEqual([
        expect.objectContaining({
          CheckID: "muster-agent:cache-1",
          Status: "passing",
          Name: "muster-agent heartbeat",
        }),
      ]);
      // Past the TTL the registry holds for the agent, its heartbeats have kept the check passing.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect((await registryHealth("cache"))[0]?.Checks[0]?.Status).toBe("passing");
      // Reads go to the registry, blocking included: the agent's own answer carries its index.
      const read = await fetch(`http://${address}/v1/health/service/cache?index=1&wait=1s`);
      expect(Number(read.headers.get("x-consul-index"))).toBeGreaterThan(1);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    expect(await registryHealth("cache")).toEqual([]);
  }, 60_000);
});
