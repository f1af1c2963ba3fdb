import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CircuitOpenError,
  Heartbeater,
  httpCheck,
  NoInstanceError,
  RegistryClient,
  RegistryError,
  UnreachableError,
  WeightedRoundRobin,
} from "../../agent/index.js";
import type { Instance } from "../../shared/model/instance.js";
import { type RunningRegistry, startRegistry, TOKEN, waitFor } from "./support.js";

describe("the client library against the real registry", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.close();
  });

  const client = (options: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
    new RegistryClient({ registry: registry.url, token: TOKEN, timeoutMs: 1000, ...options });

  it("registers, discovers with status and tag filters, and deregisters", async () => {
    const c = client({ cacheTtlMs: 0 });
    const lease = await c.register("svc", {
      id: "a",
      address: "10.0.0.1:80",
      tags: ["x"],
      ttl: 30,
    });
    expect(lease).toMatchObject({ service: "svc", id: "a", ttl: 30, heartbeat_interval: 10 });
    await c.register("svc", { id: "b", address: "10.0.0.2:80", status: "critical" });
    expect((await c.discover("svc")).map((i) => i.id)).toEqual(["a", "b"]);
    expect((await c.discover("svc", { status: "passing" })).map((i) => i.id)).toEqual(["a"]);
    expect((await c.discover("svc", { tags: ["x"] })).map((i) => i.id)).toEqual(["a"]);
    await c.deregister("svc", "a");
    await c.deregister("svc", "a"); // idempotent
    expect((await c.discover("svc")).map((i) => i.id)).toEqual(["b"]);
    await expect(c.register("svc", { id: "bad id", address: "10.0.0.1:80" })).rejects.toMatchObject(
      { status: 400, code: "invalid_input" },
    );
    await expect(
      client({ token: "wrong-token-0123456789" }).discover("svc"),
    ).rejects.toBeInstanceOf(RegistryError);
  });

  it("watch: once at start, then once per real change; renewals and idle polls are silent", async () => {
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if ((init?.method ?? "GET") === "GET") statuses.push(res.status);
      return res;
    };
    const watcher = client({ fetch: counting });
    const writer = client();
    const calls: string[][] = [];
    const watch = watcher.watch(
      "w",
      (instances) => {
        calls.push(instances.map((i) => `${i.id}:${i.status}`));
      },
      { intervalMs: 50 },
    );
    const settle = async (n: number) =>
      waitFor(`${n} callbacks`, () => calls.length >= n, { timeoutMs: 5000 });
    try {
      await settle(1);
      expect(calls[0]).toEqual([]);
      await writer.register("w", { id: "a", address: "10.0.0.1:80", ttl: 20 });
      await settle(2);
      // Idle: the registry answers 304 and nothing is called.
      const before = statuses.length;
      await waitFor("idle polls", () => statuses.length >= before + 4);
      expect(statuses.slice(before)).toContain(304);
      // A renewal moves last_seen and expires_at (and so the ETag) but is no change. The
      // registry's clock is moved past the ttl/10 floor (2 s) and into another second, so the
      // renewal is a write whatever the machine's load; a lease of 20 s outlives the test (an
      // expiry would be a change of its own).
      const seen = (await registry.instances("w"))[0]?.last_seen;
      registry.clock.offsetMs += 3000;
      await writer.register("w", { id: "a", address: "10.0.0.1:80", ttl: 20 });
      expect((await registry.instances("w"))[0]?.last_seen).not.toBe(seen);
      const afterRenewal = statuses.length;
      await waitFor("polls after the renewal", () => statuses.length >= afterRenewal + 4);
      expect(statuses.slice(afterRenewal)).toContain(200);
      expect(calls).toHaveLength(2);

      await writer.register("w", { id: "b", address: "10.0.0.2:80", ttl: 20 });
      await settle(3);
      await writer.register("w", { id: "a", address: "10.0.0.1:80", ttl: 20, status: "critical" });
      await settle(4);
      await writer.deregister("w", "b");
      await settle(5);
      const afterLast = statuses.length;
      await waitFor("more polls", () => statuses.length >= afterLast + 4);
      expect(calls).toEqual([
        [],
        ["a:passing"],
        ["a:passing", "b:passing"],
        ["a:critical", "b:passing"],
        ["a:critical"],
      ]);
    } finally {
      registry.clock.offsetMs = 0;
      watch.stop();
      await watch.done;
    }
  });

  it("serves the last good answer while the registry is down, failing fast once the circuit opens", async () => {
    const writer = client();
    await writer.register("cache", { id: "a", address: "10.0.0.1:80", ttl: 60 });
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const c = client({
      cacheTtlMs: 0,
      breaker: { failureThreshold: 2, cooldownMs: 60_000 },
      fetch: counting,
    });
    const good = await c.discover("cache");
    expect(good.map((i) => i.id)).toEqual(["a"]);

    await registry.stop();
    try {
      expect(await c.discover("cache")).toEqual(good);
      expect(await c.discover("cache")).toEqual(good);
      expect(c.breaker.state).toBe("open");
      const sent = requests;
      expect((await c.resolve("cache")).id).toBe("a");
      // Served from the cache without a request: the circuit is open.
      expect(requests).toBe(sent);
      // Nothing cached for this query: the error surfaces.
      await expect(c.discover("cache", { status: "warning" })).rejects.toBeInstanceOf(
        CircuitOpenError,
      );
      await expect(client().discover("other")).rejects.toBeInstanceOf(UnreachableError);
    } finally {
      await registry.start();
    }
    const fresh = client({ cacheTtlMs: 0 });
    await writer.register("cache", { id: "b", address: "10.0.0.2:80", ttl: 60 });
    expect((await fresh.discover("cache")).map((i) => i.id)).toEqual(["a", "b"]);
  });

  it("resolve: passing first, warning when none passes, never critical; weights honoured", async () => {
    const writer = client();
    const c = client({ cacheTtlMs: 60_000, balancer: new WeightedRoundRobin() });
    for (const [id, weight] of [
      ["h1", 3],
      ["h2", 1],
    ] as const) {
      await writer.register("res", { id, address: "10.0.0.1:80", weight });
    }
    await writer.register("res", { id: "w1", address: "10.0.0.3:80", status: "warning" });
    await writer.register("res", { id: "c1", address: "10.0.0.4:80", status: "critical" });
    const picks: Record<string, number> = {};
    for (let n = 0; n < 400; n++) {
      const picked: Instance = await c.resolve("res");
      picks[picked.id] = (picks[picked.id] ?? 0) + 1;
    }
    expect(picks).toEqual({ h1: 300, h2: 100 });

    const onlyWarning = client({ cacheTtlMs: 0 });
    await writer.deregister("res", "h1");
    await writer.deregister("res", "h2");
    expect((await onlyWarning.resolve("res")).id).toBe("w1");
    await writer.deregister("res", "w1");
    await expect(onlyWarning.resolve("res")).rejects.toBeInstanceOf(NoInstanceError);
  });

  it("Heartbeater: keeps an instance registered and removes it on stop", async () => {
    const hb = new Heartbeater({
      client: client(),
      service: "lib",
      instance: { id: "h", address: "10.0.0.1:80", ttl: 5 },
      check: httpCheck(`${registry.url}/health`),
    });
    const done = hb.start();
    await waitFor("registered", async () =>
      (await registry.instances("lib")).some((i) => i.id === "h" && i.status === "passing"),
    );
    // The registry may list it before the heartbeater has read the answer.
    const lease = await waitFor("the lease", () => hb.lease);
    expect(lease.heartbeat_interval).toBe(1);
    await hb.stop();
    await done;
    expect(await registry.instances("lib")).toEqual([]);
  });
});
