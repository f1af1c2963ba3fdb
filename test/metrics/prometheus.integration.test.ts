import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";

const TOKEN = "prom-test-token-0123456789abcdef";

/** A port nobody listens on right now, for Prometheus's own web listener. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Target {
  health: string;
  scrapeUrl: string;
  lastError: string;
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
}

describe("Prometheus (Debian's 2.42) discovers instances through /v1/http_sd and scrapes /metrics", () => {
  let dir: string;
  let muster: LocalServer;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let promLog = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-prom-"));
    muster = await startLocal({ MUSTER_DATA_DIR: join(dir, "data"), MUSTER_TOKENS: TOKEN });
    const port = new URL(muster.url).port;
    const beat = async (body: Record<string, unknown>) => {
      const res = await fetch(`${muster.url}/v1/services/app/heartbeats`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ ttl: 3600, ...body }),
      });
      expect(res.status).toBe(201);
    };
    // The registry itself is the scrape target that is up; the other one listens nowhere.
    await beat({
      id: "self",
      address: `127.0.0.1:${port}`,
      tags: ["a", "b"],
      metadata: { "rack.id": "r-1" },
    });
    await beat({ id: "gone", address: "127.0.0.1:1", status: "warning" });

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const config = join(dir, "prometheus.yml");
    await writeFile(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: muster",
        "    authorization:",
        `      credentials: ${TOKEN}`,
        "    http_sd_configs:",
        `      - url: ${muster.url}/v1/http_sd`,
        "        refresh_interval: 1s",
        "        authorization:",
        // Debian's 2.42 sends the bare token here unless the type is spelled out.
        "          type: Bearer",
        `          credentials: ${TOKEN}`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout?.on("data", (d) => {
      promLog += d;
    });
    prometheus.stderr?.on("data", (d) => {
      promLog += d;
    });
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus?.once("exit", done));
      prometheus.kill("SIGTERM");
      await exited;
    }
    if (muster) await stopLocal(muster);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Polls Prometheus's targets API until `ready` holds; bounded to 60 tries, half a second apart. */
  async function targetsWhen(ready: (targets: Target[]) => boolean): Promise<Target[]> {
    let last: Target[] = [];
    for (let i = 0; i < 60; i++) {
      try {
        const res = await fetch(`${promUrl}/api/v1/targets`);
        if (res.ok) {
          last = ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
          if (ready(last)) return last;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(500);
    }
    throw new Error(`targets never ready: ${JSON.stringify(last)}\n${promLog}`);
  }

  it("lists both instances with their __meta_muster_* labels, and the registry's /metrics as up", async () => {
    const port = new URL(muster.url).port;
    const targets = await targetsWhen((ts) => ts.length === 2 && ts.some((t) => t.health === "up"));
    const self = targets.find((t) => t.discoveredLabels.__meta_muster_id === "self");
    expect(self).toMatchObject({
      health: "up",
      scrapeUrl: `http://127.0.0.1:${port}/metrics`,
      discoveredLabels: {
        __address__: `127.0.0.1:${port}`,
        __meta_muster_service: "app",
        __meta_muster_id: "self",
        __meta_muster_status: "passing",
        __meta_muster_source: "heartbeat",
        __meta_muster_tags: ",a,b,",
        __meta_muster_metadata_rack_id: "r-1",
      },
    });
    const gone = targets.find((t) => t.discoveredLabels.__meta_muster_id === "gone");
    expect(gone?.discoveredLabels.__meta_muster_status).toBe("warning");
    expect(gone?.health).not.toBe("up");

    // What it scraped is muster's own exposition: the live instances of the service.
    let value: string | undefined;
    for (let i = 0; i < 20 && value === undefined; i++) {
      const res = await fetch(
        `${promUrl}/api/v1/query?query=${encodeURIComponent('muster_live_instances{service="app"}')}`,
      );
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      value = body.data.result[0]?.value[1];
      if (value === undefined) await sleep(500);
    }
    expect(value).toBe("2");
  }, 90_000);
});
