import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promConsulSd, runApiClient, targetsOf } from "../support/consul-clients.js";
import { CONSUL_TOKEN } from "../support/consul-targets.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { selfSigned } from "../support/tls.js";

/**
 * HashiCorp's Go client over HTTPS, as a program configured with `CONSUL_HTTP_ADDR=https://…`
 * and `CONSUL_CACERT` reaches it: muster serve with MUSTER_TLS_CERT/KEY, a throwaway
 * certificate, and the client's own TLS set-up (api.DefaultConfig reads CONSUL_CACERT).
 */
describe("Consul's clients against local mode over HTTPS", () => {
  let dir: string;
  let server: LocalServer;
  let tls: Awaited<ReturnType<typeof selfSigned>>;
  let address: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "muster-consul-tls-"));
    tls = await selfSigned(dir);
    server = await startLocal({
      MUSTER_DATA_DIR: join(dir, "data"),
      MUSTER_TOKENS: CONSUL_TOKEN,
      MUSTER_TLS_CERT: tls.cert,
      MUSTER_TLS_KEY: tls.key,
    });
    address = server.url;
    expect(address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  }, 60_000);
  afterAll(async () => {
    if (server) await stopLocal(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const client = (
    command: string,
    args: string[] = [],
    env: Record<string, string> = { CONSUL_CACERT: tls.cert },
  ) => runApiClient(address, CONSUL_TOKEN, command, args, env);

  it("registers, updates the TTL check, reads health and deregisters, trusting the CA it is given", async () => {
    const registered = await client("register", ["-id", "web-tls", "-ttl", "30s"]);
    expect(registered.code, registered.stderr).toBe(0);
    const passed = await client("update-ttl", [
      "-check",
      "service:web-tls",
      "-status",
      "pass",
      "-output",
      "over tls",
    ]);
    expect(passed.code, passed.stderr).toBe(0);
    const health = await client("health", ["-service", "web", "-passing"]);
    expect(health.code, health.stderr).toBe(0);
    const entries = health.lines[0]?.result as {
      Service: { ID: string; Port: number };
      Checks: { CheckID: string; Status: string; Output: string }[];
    }[];
    expect(entries.map((e) => e.Service.ID)).toEqual(["web-tls"]);
    expect(entries[0]?.Checks[0]).toMatchObject({
      CheckID: "service:web-tls",
      Status: "passing",
      Output: "over tls",
    });
    expect(health.lines[0]?.meta?.last_index).toBeGreaterThanOrEqual(1);
    const gone = await client("deregister", ["-id", "web-tls"]);
    expect(gone.code, gone.stderr).toBe(0);
    const after = await client("health", ["-service", "web"]);
    expect(after.lines[0]?.result).toEqual([]);
  });

  it("refuses the server without the CA: the client verifies the certificate", async () => {
    const refused = await client("self", [], {});
    expect(refused.code).not.toBe(0);
    expect(`${refused.stderr}${JSON.stringify(refused.lines)}`).toMatch(
      /certificate signed by unknown authority|x509/,
    );
  });

  it("Prometheus's Consul discovery finds the targets over HTTPS (scheme https, tls_config ca_file)", async () => {
    const registered = await client("register", [
      "-id",
      "web-sd",
      "-port",
      "9100",
      "-ttl",
      "60s",
      "-status",
      "passing",
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    const sd = promConsulSd(
      [
        `server: ${address.replace(/^https:\/\//, "")}`,
        "scheme: https",
        `token: ${CONSUL_TOKEN}`,
        "refresh_interval: 1s",
        "tls_config:",
        `  ca_file: ${tls.cert}`,
      ].join("\n"),
      60,
    );
    try {
      const found = await sd.waitFor(
        (l) => targetsOf(l, "web").some((t) => t.__address__ === "127.0.0.1:9100"),
        30_000,
      );
      expect(targetsOf(found, "web").find((t) => t.__address__ === "127.0.0.1:9100")).toMatchObject(
        {
          __meta_consul_service_id: "web-sd",
          __meta_consul_health: "passing",
        },
      );
    } finally {
      await sd.stop();
    }
  });
});
