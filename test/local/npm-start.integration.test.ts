import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { irohNodeId } from "../support/iroh-keys.js";
import { runLocal, startLocal, stopLocal } from "../support/local-server.js";

const start = startLocal;
const stop = stopLocal;
const run = runLocal;

describe("local mode (npm start)", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-local-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("makes a token once, keeps data across a restart, and stops cleanly on SIGTERM and SIGINT", async () => {
    const dataDir = await tempDir();
    const first = await start({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    const token = (await readFile(join(dataDir, "token"), "utf8")).trim();
    expect(token).toMatch(/^mst_[A-Za-z0-9_-]{43}$/);
    expect(first.stdout()).toContain(token);
    expect((await stat(join(dataDir, "token"))).mode & 0o777).toBe(0o600);

    const auth = { Authorization: `Bearer ${token}` };
    const res = await fetch(`${first.url}/v1/services/blixard/heartbeats`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "node-1",
        address: "127.0.0.1:7001",
        cluster_node_id: 1,
        iroh_node_id: irohNodeId(1),
        ttl: 3600,
      }),
    });
    expect(res.status).toBe(201);
    expect(await stop(first, "SIGTERM")).toBe(0);
    expect(first.stderr()).toContain("SIGTERM: shutting down");

    const second = await start({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    // The token is printed once, when it is made; never again.
    expect(second.stdout()).not.toContain(token);
    expect(second.stderr()).not.toContain(token);
    const registry = await fetch(
      `${second.url}/v1/services/blixard/instances/node-1/registry.json`,
      {
        headers: auth,
      },
    );
    expect(await registry.json()).toEqual({
      cluster_node_id: 1,
      iroh_node_id: irohNodeId(1),
      direct_addresses: ["127.0.0.1:7001"],
      relay_url: null,
      address: "127.0.0.1:7001",
    });
    expect(await stop(second, "SIGINT")).toBe(0);
  });

  it("refuses a second registry on a data folder in use, and takes over a dead one's lock", async () => {
    const dataDir = await tempDir();
    const first = await start({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    const second = await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    expect(second.code).toBe(78);
    expect(second.output).toMatch(/is in use by another muster \(pid \d+\)/);
    // SIGKILL leaves the lock behind; the next start finds its holder gone and proceeds.
    await stop(first, "SIGKILL");
    const third = await start({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    expect(await stop(third)).toBe(0);
  });

  it("uses MUSTER_TOKENS when set, and makes no token of its own", async () => {
    const dataDir = await tempDir();
    const token = "configured-token-0123456789";
    const r = await start({
      MUSTER_DATA_DIR: dataDir,
      MUSTER_TOKENS: `other-token-0123456789,${token}`,
    });
    const ok = await fetch(`${r.url}/v1/services`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ services: [] });
    expect((await fetch(`${r.url}/v1/services`)).status).toBe(401);
    expect((await fetch(`${r.url}/health`)).status).toBe(200);
    await expect(stat(join(dataDir, "token"))).rejects.toThrow();
    expect(r.stdout()).not.toContain(token);
    await stop(r);
  });

  it("refuses to start on bad configuration, naming the variable but not the secret", async () => {
    const dataDir = await tempDir();
    const { code, output } = await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "short-secret" });
    expect(code).toBe(78);
    expect(output).toContain("MUSTER_TOKENS");
    expect(output).not.toContain("short-secret");
    const bad = await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "", PORT: "http" });
    expect(bad.code).toBe(78);
    expect(bad.output).toContain("PORT");
  });
});
