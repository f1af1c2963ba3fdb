import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  buildAgent,
  type RunningRegistry,
  removeAgent,
  spawnAgent,
  startRegistry,
  waitFor,
  words,
} from "./support.js";

describe("muster-agent run when the registry goes away and comes back", () => {
  let bundle: string;
  let registry: RunningRegistry;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    [bundle, registry] = await Promise.all([buildAgent(), startRegistry()]);
  });
  afterAll(async () => {
    await agent?.stop("SIGKILL");
    await registry?.close();
    await removeAgent(bundle);
  });

  it("retries with backoff behind the circuit breaker, never exits, and registers again", async () => {
    // ttl 5: heartbeats every second, backoff and breaker cool-down capped at 5 s.
    agent = spawnAgent(
      bundle,
      words(`
        run --registry ${registry.url} --service web --id n1 --address 10.0.0.1:80 --ttl 5
        --timeout 1
      `),
    );
    const present = async () => (await registry.instances("web")).some((i) => i.id === "n1");
    await waitFor("registered", present);

    await registry.stop();
    const down = Date.now();
    await waitFor("failed heartbeats", () => /heartbeat failed/.test(agent?.output() ?? ""));
    await waitFor("the circuit to open", () => /circuit open/.test(agent?.output() ?? ""), {
      timeoutMs: 15_000,
    });
    const failures = (agent.output().match(/heartbeat failed/g) ?? []).length;
    // Three failures open it (the breaker's threshold); then it waits instead of hammering.
    expect(failures).toBe(3);
    expect(agent.child.exitCode).toBeNull();

    // While it was away, its lease lapsed: the agent must register anew, not just renew.
    registry.clock.offsetMs += 60_000;
    await registry.start();
    expect(await present()).toBe(false);
    const back = Date.now();
    await waitFor("registered again", present, { timeoutMs: 15_000 });
    const recoveredMs = Date.now() - back;
    console.info(`registry down ${back - down} ms; node back ${recoveredMs} ms after it returned`);
    // At most one cool-down (5 s, +20% jitter) and a backoff step after the registry returns.
    expect(recoveredMs).toBeLessThan(12_000);
    // The registry may answer the test's read before the agent has logged its own answer.
    await waitFor(
      "the agent to log it",
      () => agent?.output().match(/registered web\/n1/g)?.length === 2,
    );
    expect(agent.output()).toMatch(/registry answered again after \d+ failed heartbeat/);

    expect(await agent.stop()).toBe(0);
    expect(await present()).toBe(false);
  });
});
