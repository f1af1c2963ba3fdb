import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";

const TOKEN = "load-test-token-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

const heartbeat = (url: string, service: string, id: string) =>
  fetch(`${url}/v1/services/${service}/heartbeats`, {
    method: "POST",
    headers: { ...AUTH, "Content-Type": "application/json" },
    body: JSON.stringify({
      id,
      address: "10.0.0.1:7001",
      ttl: 3600,
      metadata: { pad: "x".repeat(64) },
    }),
  });

/** Runs `count` calls with `concurrency` in flight; every status seen, in completion order. */
async function pool(count: number, concurrency: number, call: (i: number) => Promise<Response>) {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const res = await call(next++);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for ${pid}`);
  return kb * 1024;
}

async function ids(url: string, service: string): Promise<string[]> {
  const res = await fetch(`${url}/v1/services/${service}/instances`, { headers: AUTH });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { instances: { id: string }[] };
  return body.instances.map((i) => i.id);
}

describe("local mode under load (real server, SQLite)", () => {
  const dirs: string[] = [];
  const servers: LocalServer[] = [];
  const start = async (dataDir: string) => {
    // The per-token rate limit (500/s by default) is not what these tests are about.
    const server = await startLocal({
      MUSTER_DATA_DIR: dataDir,
      MUSTER_TOKENS: TOKEN,
      MUSTER_RATE_LIMIT: "0",
    });
    servers.push(server);
    return server;
  };
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-load-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const s of servers) await stopLocal(s, "SIGKILL");
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged heartbeat through kill -9 and a restart", async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    const acknowledged: string[] = [];
    await pool(400, 32, async (i) => {
      const res = await heartbeat(first.url, "durable", `n${i}`);
      if (res.status === 201) acknowledged.push(`n${i}`);
      return res;
    });
    expect(acknowledged).toHaveLength(400);
    await stopLocal(first, "SIGKILL");
    const second = await start(dataDir);
    expect(await ids(second.url, "durable")).toEqual([...acknowledged].sort());
    expect(await stopLocal(second)).toBe(0);
  });

  it("answers 128 concurrent writes plus 128 concurrent reads without a 5xx", async () => {
    const server = await start(await tempDir());
    for (let i = 0; i < 50; i++)
      expect((await heartbeat(server.url, "busy", `seed${i}`)).status).toBe(201);
    const writes = Array.from({ length: 128 }, (_, i) => heartbeat(server.url, "busy", `w${i}`));
    const reads = Array.from({ length: 128 }, () =>
      fetch(`${server.url}/v1/services/busy/peers.json`, { headers: AUTH }),
    );
    const all = await Promise.all([...writes, ...reads]);
    const statuses = await Promise.all(
      all.map(async (r) => {
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.slice(0, 128).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(128).every((s) => s === 200)).toBe(true);
    expect(await ids(server.url, "busy")).toHaveLength(178);
    expect(await stopLocal(server)).toBe(0);
  });

  it("grows by less than 60 MB of RSS over 20,000 list reads", { timeout: 400_000 }, async () => {
    const server = await start(await tempDir());
    const pid = server.child.pid as number;
    await pool(100, 16, (i) => heartbeat(server.url, "big", `n${i}`));
    const paths = ["peers.json", "peers.txt", "srv", "instances"];
    const read = (i: number) =>
      fetch(`${server.url}/v1/services/big/${paths[i % paths.length]}`, { headers: AUTH });
    // Warm-up: V8 sizes its heap over the first ~10,000 reads (measured: +120 MB, then flat
    // within 3 MB over the next 30,000), so the baseline is taken after it. A leak, as the
    // old engine's open iterators were, keeps growing past it.
    expect((await pool(10_000, 32, read)).every((s) => s === 200)).toBe(true);
    const before = rssBytes(pid);
    const statuses = await pool(20_000, 32, read);
    const after = rssBytes(pid);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(after - before).toBeLessThan(60 * 1024 * 1024);
    expect(await stopLocal(server)).toBe(0);
  });
});
