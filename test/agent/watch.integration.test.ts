import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blixardNode } from "../support/registry.js";
import { buildAgent, removeAgent, spawnAgent, startRegistry, waitFor, words } from "./support.js";

const validator = (n: number) => ({
  id: `validator-${n}`,
  address: `10.0.1.${n}:11625`,
  metadata: { namespace: "stellar-nodes" },
  ttl: 600,
});

/** A validator's local health endpoint, 200 or 503 as the test says. */
async function healthServer() {
  const state = { healthy: true };
  const server: Server = createServer((_, res) => {
    res.writeHead(state.healthy ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  return {
    state,
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const readOr = (path: string) => readFile(path, "utf8").catch(() => "");
const lines = async (path: string) => (await readOr(path)).split("\n").filter((l) => l !== "");

describe("muster-agent watch against the real registry", () => {
  let bundle: string;
  let dir: string;

  beforeAll(async () => {
    [bundle, dir] = await Promise.all([buildAgent(), mkdtemp(join(tmpdir(), "muster-watch-"))]);
  });
  afterAll(async () => {
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps Stellar's files and runs --on-change once per change, never on a renewal, never while unhealthy", async () => {
    const registry = await startRegistry({ maxWaitSeconds: 300 });
    const health = await healthServer();
    const out = join(dir, "stellar");
    const runs = join(dir, "runs");
    const file = (name: string) => readOr(join(out, name));
    const served = async (name: string) =>
      (await registry.get(`/v1/services/stellar/stellar/${name}`)).text();
    const agent = spawnAgent(bundle, [
      ...words(`watch --registry ${registry.url} --service stellar --format stellar`),
      ...words(`--out-dir ${out} --check-http ${health.url} --debounce 0.1`),
      "--on-change",
      `echo run >> ${runs}`,
    ]);
    const parked = () =>
      waitFor("the agent's blocking read", () => registry.changes.waiting("stellar") === 1);
    try {
      await registry.heartbeat("stellar", validator(1));
      await registry.heartbeat("stellar", validator(2));
      await waitFor(
        "the first files and run",
        async () => (await file("peer_count")) === "2" && (await lines(runs)).length === 1,
      );
      for (const name of ["peers.json", "peers.txt", "peer_count"]) {
        expect(await file(name)).toBe(await served(name));
      }
      expect(await file("peers.txt")).toBe("10.0.1.1:11625\n10.0.1.2:11625");
      expect(JSON.parse(await file("peers.json"))[0]).toStrictEqual({
        ip: "10.0.1.1",
        name: "validator-1",
        namespace: "stellar-nodes",
        nodeType: "Validator",
        peerString: "10.0.1.1:11625",
        port: 11625,
      });

      // Renewals: the registry keeps the agent's read parked; nothing is written, nothing runs.
      await parked();
      registry.clock.offsetMs += 61_000;
      expect((await registry.heartbeat("stellar", validator(1))).status).toBe(200);
      expect((await registry.heartbeat("stellar", validator(2))).status).toBe(200);
      await registry.heartbeat("stellar", validator(3));
      await waitFor("the second run", async () => (await lines(runs)).length === 2);
      expect(await file("peer_count")).toBe("3");
      await waitFor("run 2 logged", () => agent.output().includes("run 2"));
      expect(await lines(runs)).toHaveLength(2);

      // The validator is unhealthy: the files follow the registry, the command waits.
      health.state.healthy = false;
      await registry.heartbeat("stellar", validator(4));
      await waitFor("the held run", () => agent.output().includes("--on-change held"));
      expect(await file("peer_count")).toBe("4");
      expect(await lines(runs)).toHaveLength(2);
      health.state.healthy = true;
      await waitFor("the held run to go ahead", async () => (await lines(runs)).length === 3);

      // The registry goes away: the last good files stay; it comes back: the watch goes on.
      await parked();
      await registry.stop();
      await waitFor("the outage noticed", () => agent.output().includes("files left as they are"));
      expect(await file("peer_count")).toBe("4");
      await registry.start();
      await registry.heartbeat("stellar", validator(5));
      await waitFor("the files after the outage", async () => (await file("peer_count")) === "5");
      await waitFor("the fourth run", async () => (await lines(runs)).length === 4);
      expect(await agent.stop()).toBe(0);
      expect(await lines(runs)).toHaveLength(4);
    } finally {
      await agent.stop();
      await health.close();
      await registry.close();
    }
  });

  it("polls with If-None-Match where the registry does not hold reads", async () => {
    const registry = await startRegistry();
    const out = join(dir, "blixard", "discovery-peers.json");
    const agent = spawnAgent(bundle, [
      ...words(`watch --registry ${registry.url} --service blixard --format blixard`),
      ...words(`--out ${out} --interval 0.2`),
    ]);
    try {
      await registry.heartbeat("blixard", blixardNode(1));
      const servedNow = async () => (await registry.get("/v1/services/blixard/peers.json")).text();
      await waitFor("the file", async () =>
        (await readOr(out)).includes(blixardNode(1).iroh_node_id),
      );
      expect(await readOr(out)).toBe(await servedNow());
      expect(agent.output()).toContain("does not hold reads open: polling every 0.2s");
      await registry.heartbeat("blixard", blixardNode(2));
      await waitFor("the second node", async () =>
        (await readOr(out)).includes(blixardNode(2).iroh_node_id),
      );
      expect(await readOr(out)).toBe(await servedNow());
    } finally {
      await agent.stop();
      await registry.close();
    }
  });

  it("refuses a bad command line with exit 2", async () => {
    const agent = spawnAgent(
      bundle,
      words("watch --registry http://127.0.0.1:1 --service s --format stellar --out x"),
    );
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toContain("--format stellar writes three files: give --out-dir DIR");
  });
});
