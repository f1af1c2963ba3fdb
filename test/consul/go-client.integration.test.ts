import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, type ClientLine, runApiClient } from "../support/consul-clients.js";
import { type ConsulTarget, lambdaTarget, localTarget } from "../support/consul-targets.js";

/**
 * HashiCorp's official Go client (github.com/hashicorp/consul/api, test/consul-clients), run
 * against muster as a program that uses Consul runs: the whole scenario, then a watch
 * that follows changes made on the side. Local mode, and the Lambda handler over DynamoDB.
 */
const TTL_SECONDS = 6;

const step = (lines: ClientLine[], name: string) => {
  const found = lines.find((l) => l.step === name);
  if (!found) throw new Error(`no step ${name} in ${lines.map((l) => l.step).join(", ")}`);
  return found;
};

describe.each([
  ["local mode", () => localTarget()],
  ["the Lambda handler on DynamoDB Local", () => lambdaTarget()],
])("HashiCorp's Go client against %s", (_name, start) => {
  let target: ConsulTarget;
  beforeAll(async () => {
    target = await start();
  }, 60_000);
  afterAll(async () => {
    await target?.stop();
  });

  it("runs the scenario: TTL check critical first, UpdateTTL, passing with a tag, blocking, catalog, TTL running out, tokens, deregistration", async () => {
    const run = await runApiClient(target.address, target.token, "scenario", [
      "-service",
      "web",
      "-id",
      "web-1",
      "-tag",
      "primary",
      "-ttl",
      `${TTL_SECONDS}s`,
      "-wrong-token",
      "not-a-muster-token-0123456789",
      "-read-only-token",
      target.readOnlyToken,
      "-expiry-bound",
      "30s",
    ]);
    const done = step(run.lines, "done");
    expect(done.extra?.failures, run.stderr).toEqual([]);
    expect(run.code).toBe(0);

    // What the client parsed, call by call.
    expect(step(run.lines, "agent-self").result.Config.Datacenter).toBe("dc1");
    expect(step(run.lines, "catalog-datacenters").result).toEqual(["dc1"]);
    const health = step(run.lines, "health-after-register");
    expect(health.meta?.last_index).toBeGreaterThanOrEqual(1);
    expect(health.meta?.known_leader).toBe(true);
    expect(health.result[0].Service).toMatchObject({
      ID: "web-1",
      Service: "web",
      Port: 8080,
      Address: "127.0.0.1",
    });
    expect(step(run.lines, "health-passing").result[0].Checks[0]).toMatchObject({
      CheckID: "service:web-1",
      Status: "passing",
      Output: "first pass",
    });
    expect(step(run.lines, "catalog-services").result).toEqual({ web: ["primary"] });
    expect(step(run.lines, "catalog-service").result[0]).toMatchObject({
      ServiceID: "web-1",
      ServicePort: 8080,
    });
    // An index ahead of the registry's is answered at once (Consul would hold it).
    expect(step(run.lines, "block-index-ahead").elapsed_ms).toBeLessThan(1_000);
    const woke = step(run.lines, "block-woke");
    expect(Number(woke.extra?.wake_after_change_ms)).toBeLessThan(5_000);
    // The TTL counts from the last update (the one the blocked query woke on); the client
    // starts its clock once it has seen that wake. Never critical before the TTL ran out.
    const expired = step(run.lines, "ttl-expired");
    const sinceUpdate =
      Number(expired.extra?.critical_after_ms) + Number(woke.extra?.wake_after_change_ms);
    expect(sinceUpdate).toBeGreaterThanOrEqual(TTL_SECONDS * 1000 - 250);
    expect(step(run.lines, "update-ttl-unknown-check").error).toMatchObject({
      status: 404,
      body: 'Unknown check ID "service:web-1-missing". Ensure that the check ID is passed, not the check name.',
    });
    for (const name of ["register-wrong-token", "health-wrong-token", "update-ttl-wrong-token"]) {
      expect(step(run.lines, name).error).toMatchObject({ status: 403, body: "ACL not found" });
    }
    expect(step(run.lines, "register-read-only-token").error?.body).toMatch(
      /^Permission denied: token with AccessorID 'tok_[0-9a-f]{16}' lacks permission 'service:write' on "web"$/,
    );
    expect(step(run.lines, "health-read-only-token").ok).toBe(true);
    expect(step(run.lines, "health-after-deregister").result).toEqual([]);
  }, 90_000);

  it("follows a service with blocking queries while it changes on the side", async () => {
    const reg = [
      "-service",
      "api",
      "-id",
      "api-1",
      "-port",
      "9001",
      "-ttl",
      "30s",
      "-status",
      "passing",
    ];
    expect((await runApiClient(target.address, target.token, "register", reg)).code).toBe(0);
    const watch = apiClient(target.address, target.token, "watch", [
      "-service",
      "api",
      "-max-events",
      "3",
      "-wait",
      "20s",
      "-timeout",
      "60s",
    ]);
    try {
      const first = await watch.waitFor(() => true, 20_000);
      expect(first.result).toHaveLength(1);
      const add = [
        "-service",
        "api",
        "-id",
        "api-2",
        "-port",
        "9002",
        "-ttl",
        "30s",
        "-status",
        "passing",
      ];
      expect((await runApiClient(target.address, target.token, "register", add)).code).toBe(0);
      const second = await watch.waitFor((l) => l.result?.length === 2, 20_000);
      expect(second.meta?.last_index).toBeGreaterThan(first.meta?.last_index ?? 0);
      expect(
        (
          await runApiClient(target.address, target.token, "fail", [
            "-check",
            "service:api-2",
            "-note",
            "down",
          ])
        ).code,
      ).toBe(0);
      const third = await watch.waitFor(
        (l) =>
          l.result?.some(
            (e: { Checks: { Status: string }[] }) => e.Checks[0]?.Status === "critical",
          ),
        20_000,
      );
      expect(third.meta?.last_index).toBeGreaterThan(second.meta?.last_index ?? 0);
      expect(await watch.exited()).toBe(0);
    } finally {
      await watch.stop();
    }
    for (const id of ["api-1", "api-2"]) {
      expect(
        (await runApiClient(target.address, target.token, "deregister", ["-id", id])).code,
      ).toBe(0);
    }
  }, 90_000);
});

describe("HashiCorp's Go client re-asking an unchanged index through the Lambda handler", () => {
  let target: ConsulTarget;
  beforeAll(async () => {
    target = await lambdaTarget({ MUSTER_MAX_WAIT_SECONDS: "1" });
  }, 60_000);
  afterAll(async () => {
    await target?.stop();
  });

  it("is held at most the deployment's wait, then refused with 429 until the interval has passed", async () => {
    const reg = ["-service", "quiet", "-id", "quiet-1", "-ttl", "1h", "-status", "passing"];
    expect((await runApiClient(target.address, target.token, "register", reg)).code).toBe(0);
    const first = await runApiClient(target.address, target.token, "health", ["-service", "quiet"]);
    const index = String(first.lines[0]?.meta?.last_index);
    const ask = ["-service", "quiet", "-index", index, "-wait", "5m"];
    const held = await runApiClient(target.address, target.token, "health", ask);
    expect(held.code).toBe(0);
    expect(held.lines[0]?.elapsed_ms).toBeLessThan(3_000);
    expect(String(held.lines[0]?.meta?.last_index)).toBe(index);
    const again = await runApiClient(target.address, target.token, "health", ask);
    expect(again.code).toBe(1);
    expect(again.lines[0]?.error).toMatchObject({
      status: 429,
      body: expect.stringMatching(
        /^Too Many Requests: this watcher was answered about this index less than 25s ago/,
      ),
    });
  }, 60_000);
});
