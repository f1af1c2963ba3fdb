import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PromLine, promConsulSd, targetsOf } from "../support/consul-clients.js";
import { type ConsulTarget, lambdaTarget, localTarget } from "../support/consul-targets.js";

/**
 * Prometheus's own Consul service discovery (github.com/prometheus/prometheus/discovery/consul,
 * test/consul-clients/prom-consul-sd) against muster: it asks /v1/agent/self for the
 * datacenter, follows the catalog and each service with blocking queries, and its targets and
 * `__meta_consul_*` labels follow registrations, check states (a TTL running out included) and
 * deregistrations.
 */
async function put(target: ConsulTarget, path: string, body?: unknown) {
  const res = await fetch(`${target.url}${path}`, {
    method: "PUT",
    headers: { "X-Consul-Token": target.token, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect([path, res.status, await res.text()]).toEqual([path, 200, ""]);
}

const registration = (id: string, port: number, ttl: string, status = "passing") => ({
  ID: id,
  Name: "web",
  Tags: ["primary"],
  Address: "127.0.0.1",
  Port: port,
  Meta: { version: "2" },
  Check: { TTL: ttl, Status: status },
});

const byAddress = (line: PromLine, address: string) =>
  targetsOf(line, "web").find((t) => t.__address__ === address);

describe.each([
  ["local mode", () => localTarget()],
  // Prometheus asks again 1 s after an answer here (refresh_interval: 1s): answered every time.
  [
    "the Lambda handler on DynamoDB Local",
    () => lambdaTarget({ MUSTER_CONSUL_REASK_SECONDS: "1" }),
  ],
])("Prometheus's Consul discovery against %s", (_name, start) => {
  let target: ConsulTarget;
  beforeAll(async () => {
    target = await start();
  }, 60_000);
  afterAll(async () => {
    await target?.stop();
  });

  it("discovers targets with Consul's labels and follows them as they change", async () => {
    await put(target, "/v1/agent/service/register", registration("web-1", 8081, "60s"));
    const sd = promConsulSd(
      [`server: ${target.address}`, `token: ${target.token}`, "refresh_interval: 1s"].join("\n"),
      100,
    );
    try {
      const first = await sd.waitFor((l) => byAddress(l, "127.0.0.1:8081") !== undefined, 30_000);
      const group = first.state.find((g) => g.source === "web");
      expect(group?.labels).toEqual({ __meta_consul_service: "web", __meta_consul_dc: "dc1" });
      expect(byAddress(first, "127.0.0.1:8081")).toEqual({
        __address__: "127.0.0.1:8081",
        __meta_consul_address: "127.0.0.1",
        __meta_consul_health: "passing",
        __meta_consul_namespace: "",
        __meta_consul_node: "127.0.0.1",
        __meta_consul_partition: "",
        __meta_consul_service_address: "127.0.0.1",
        __meta_consul_service_id: "web-1",
        __meta_consul_service_metadata_version: "2",
        __meta_consul_service_port: "8081",
        __meta_consul_tagged_address_lan: "127.0.0.1",
        __meta_consul_tagged_address_lan_ipv4: "127.0.0.1",
        __meta_consul_tagged_address_wan: "127.0.0.1",
        __meta_consul_tagged_address_wan_ipv4: "127.0.0.1",
        __meta_consul_tags: ",primary,",
      });

      // A new instance; then its check fails.
      let from = sd.lines.length;
      await put(target, "/v1/agent/service/register", registration("web-2", 8082, "60s"));
      await sd.waitFor((l) => byAddress(l, "127.0.0.1:8082") !== undefined, 30_000, from);
      from = sd.lines.length;
      await put(target, "/v1/agent/check/fail/service:web-2?note=down");
      await sd.waitFor(
        (l) => byAddress(l, "127.0.0.1:8082")?.__meta_consul_health === "critical",
        30_000,
        from,
      );

      // A TTL that runs out, with nobody writing: the flip reaches Prometheus too.
      from = sd.lines.length;
      await put(target, "/v1/agent/service/register", registration("web-3", 8083, "3s"));
      await sd.waitFor(
        (l) => byAddress(l, "127.0.0.1:8083")?.__meta_consul_health === "passing",
        30_000,
        from,
      );
      await sd.waitFor(
        (l) => byAddress(l, "127.0.0.1:8083")?.__meta_consul_health === "critical",
        30_000,
        from,
      );

      // A deregistration takes the target away.
      from = sd.lines.length;
      await put(target, "/v1/agent/service/deregister/web-1");
      const last = await sd.waitFor(
        (l) => l.state.length > 0 && byAddress(l, "127.0.0.1:8081") === undefined,
        30_000,
        from,
      );
      expect(
        targetsOf(last, "web")
          .map((t) => t.__meta_consul_service_id)
          .sort(),
      ).toEqual(["web-2", "web-3"]);
    } finally {
      await sd.stop();
    }
  }, 120_000);
});
