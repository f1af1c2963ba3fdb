import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runLocal, startLocal, stopLocal } from "../support/local-server.js";

const TOKEN = "damaged-data-token-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

const beat = (url: string, id: string, marker = "plain") =>
  fetch(`${url}/v1/services/web/heartbeats`, {
    method: "POST",
    headers: { ...AUTH, "Content-Type": "application/json" },
    body: JSON.stringify({ id, address: "10.0.0.1:7001", ttl: 3600, metadata: { marker } }),
  });

async function beats(url: string, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const res = await beat(url, `node-${i}`);
    expect(res.status).toBe(201);
  }
}

describe("local mode on a damaged data folder (real muster serve, real SQLite files)", () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-damaged-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("refuses to start after kill -9 and a truncated WAL, naming what to do; deleting the sidecar accepts the loss", async () => {
    const dir = await tmp();
    const env = { MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN, MUSTER_RATE_LIMIT: "0" };
    // A first run stopped cleanly: its writes are checkpointed into muster.db.
    let server = await startLocal(env);
    await beats(server.url, 0, 20);
    expect(await stopLocal(server)).toBe(0);
    // A second run killed after 50 acknowledged writes: they are in the WAL only.
    server = await startLocal(env);
    await beats(server.url, 20, 50);
    // The sidecar is written after each sync, not waited for: give the last one a moment.
    await new Promise((r) => setTimeout(r, 200));
    await stopLocal(server, "SIGKILL");
    const wal = join(dir, "muster.db-wal");
    expect(statSync(wal).size).toBeGreaterThan(0);
    truncateSync(wal, 0);

    const refused = await runLocal(env);
    expect(refused.code).toBe(78);
    expect(refused.output).toMatch(
      /muster: \S+muster\.db lost commits that were on disk: it holds \d+ of the \d+ recorded in \S+muster\.db-commits, so its -wal file was lost, emptied or cut short\. Restore the data folder from a backup; or, to start with the registry as it is now, delete \S+muster\.db-commits/,
    );
    expect(refused.output).not.toMatch(/\n\s+at /);
    // Still refused on a second try: nothing was written meanwhile.
    expect((await runLocal(env)).code).toBe(78);

    rmSync(join(dir, "muster.db-commits"));
    server = await startLocal(env);
    try {
      const res = await fetch(`${server.url}/v1/services/web/instances`, { headers: AUTH });
      const listed = ((await res.json()) as { instances: unknown[] }).instances;
      // What the first run checkpointed, and none of what the lost WAL held.
      expect(listed).toHaveLength(20);
    } finally {
      expect(await stopLocal(server)).toBe(0);
    }
  }, 120_000);

  it("starts and restarts after kill -9 with the WAL intact, losing nothing", async () => {
    const dir = await tmp();
    const env = { MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN, MUSTER_RATE_LIMIT: "0" };
    let server = await startLocal(env);
    await beats(server.url, 0, 30);
    await stopLocal(server, "SIGKILL");
    server = await startLocal(env);
    try {
      const res = await fetch(`${server.url}/v1/services/web/instances`, { headers: AUTH });
      expect(((await res.json()) as { instances: unknown[] }).instances).toHaveLength(30);
    } finally {
      expect(await stopLocal(server)).toBe(0);
    }
  }, 120_000);

  it("serves a service with a damaged record (one byte of its JSON) without it, counts it and says so at start", async () => {
    const dir = await tmp();
    const env = {
      MUSTER_DATA_DIR: dir,
      MUSTER_TOKENS: TOKEN,
      MUSTER_RATE_LIMIT: "0",
      MUSTER_PUBLIC_SERVICES: "web",
    };
    let server = await startLocal(env);
    for (const id of ["node-1", "node-2", "node-3"]) {
      expect((await beat(server.url, id, `mark-${id}-`)).status).toBe(201);
    }
    expect(await stopLocal(server)).toBe(0);
    const path = join(dir, "muster.db");
    expect(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0).toBe(false);
    const file = readFileSync(path);
    const at = file.indexOf("mark-node-2-");
    expect(at).toBeGreaterThan(0);
    file[at + 3] = 0x01;
    writeFileSync(path, file);

    server = await startLocal(env);
    try {
      expect(server.stderr()).toMatch(/damaged instance record web\/node-2 left out and removed/);
      expect(server.stderr()).toMatch(/start-up check: 1 damaged records quarantined/);
      const listed = await fetch(`${server.url}/v1/services/web/instances`, { headers: AUTH });
      expect(listed.status).toBe(200);
      const ids = ((await listed.json()) as { instances: { id: string }[] }).instances.map(
        (i) => i.id,
      );
      expect(ids).toEqual(["node-1", "node-3"]);
      const peers = await fetch(`${server.url}/v1/services/web/peers.txt`);
      expect(peers.status).toBe(200);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: AUTH })).text();
      expect(metrics).toMatch(/^muster_damaged_records_total\{kind="instance"\} 1$/m);
      // The node's next heartbeat registers it again.
      expect((await beat(server.url, "node-2")).status).toBe(201);
    } finally {
      expect(await stopLocal(server)).toBe(0);
    }
  }, 120_000);

  it("stops cleanly when its lock cannot be removed, and a start names the lock it cannot replace", async () => {
    const dir = await tmp();
    const env = { MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN };
    const server = await startLocal(env);
    // Fault injected: something put a folder where the lock file was (rmSync refuses it).
    const lock = join(dir, "lock");
    rmSync(lock);
    mkdirSync(join(lock, "inside"), { recursive: true });
    expect(await stopLocal(server)).toBe(0);
    expect(server.stderr()).toMatch(
      /muster: could not remove the lock \S+lock \(ERR_FS_EISDIR\): remove it before the next start/,
    );
    expect(server.stderr()).not.toMatch(/\n\s+at /);
    const again = await runLocal(env);
    expect(again.code).toBe(78);
    expect(again.output).toMatch(
      /muster: cannot lock \S+: \S+lock cannot be read or replaced \(EISDIR\): remove it/,
    );
    expect(again.output).not.toMatch(/\n\s+at /);
  });
});
