import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blixardShapesBinary } from "../../scripts/tool-cache.mjs";
import { StaticPresignKeys } from "../../shared/auth/presign.js";
import {
  buildAgent,
  type RunningRegistry,
  removeAgent,
  spawnAgent,
  startRegistry,
  TOKEN,
} from "../agent/support.js";
import { blixardBootstrapUrl } from "../support/blixard-shapes.js";
import { irohHexId } from "../support/iroh-keys.js";
import { blixardNode } from "../support/registry.js";

const run = promisify(execFile);
const KEYS = { k1: "k1-secret-0123456789abcdef0123456789" };
/** Built by scripts/blixard-shapes.mjs, which the integration set-up (test/global-setup.ts) runs. */
const BINARY = blixardShapesBinary();

interface Decoded {
  node_id: number;
  /** The key as iroh decoded it, in hex. */
  key: string;
  addresses: string[];
  discovered_at_ms?: number;
}

/**
 * Muster's Blixard files read by Blixard's own struct shapes with serde, and their node ids
 * by iroh's key type (test/blixard-shapes, built by `node scripts/blixard-shapes.mjs build`).
 */
describe("muster's files, as a Blixard node reads them (Rust, serde, iroh-base)", () => {
  let registry: RunningRegistry;
  let bundle: string;
  let dir: string;

  const blixardReads = async (kind: "peers" | "registry" | "bootstrap", text: string) => {
    const file = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, text);
    const { stdout } = await run(BINARY, [kind, file]);
    return JSON.parse(stdout) as Decoded | Decoded[];
  };

  beforeAll(async () => {
    if (!existsSync(BINARY)) {
      throw new Error(`${BINARY} is missing: run node scripts/blixard-shapes.mjs build`);
    }
    [bundle, registry, dir] = await Promise.all([
      buildAgent(),
      startRegistry({ presign: new StaticPresignKeys(KEYS) }),
      mkdtemp(join(tmpdir(), "muster-blixard-")),
    ]);
    const nodes = [
      blixardNode(1, { ttl: 600 }),
      blixardNode(2, { ttl: 600, direct_addresses: ["[2001:db8::2]:7001"] }),
      blixardNode(3, { ttl: 600, metadata: { raft_role: "leader" } }),
      // Not Blixard nodes, in the same service: they must not spoil the files.
      { id: "edge", address: "edge.internal:7001", ttl: 600 },
      { id: "half", address: "10.0.0.9:7001", cluster_node_id: 9, ttl: 600 },
    ];
    for (const body of nodes) expect((await registry.heartbeat("bx", body)).status).toBe(201);
  });
  afterAll(async () => {
    await registry?.close();
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("peers.json parses as Vec<DiscoveredPeer>, each key a valid iroh NodeId", async () => {
    const res = await registry.get("/v1/services/bx/peers.json");
    expect(res.headers.get("muster-omitted-instances")).toBe("2");
    const peers = (await blixardReads("peers", await res.text())) as Decoded[];
    expect(peers.map((p) => [p.node_id, p.key])).toEqual([
      [1, irohHexId(1)],
      [2, irohHexId(2)],
      [3, irohHexId(3)],
    ]);
    expect(peers[1]?.addresses).toEqual(["[2001:db8::2]:7001"]);
    // SystemTime read back: the registration, to the second.
    expect(Math.abs((peers[0]?.discovered_at_ms ?? 0) - Date.now())).toBeLessThan(600_000);
  });

  it("registry.json parses as NodeRegistryEntry", async () => {
    const res = await registry.get("/v1/services/bx/instances/node-2/registry.json");
    expect(await blixardReads("registry", await res.text())).toEqual({
      node_id: 2,
      key: irohHexId(2),
      addresses: ["[2001:db8::2]:7001"],
    });
  });

  const joinUrl = async () => {
    const minted = await fetch(`${registry.url}/v1/admin/presign`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ service: "bx", file: "bootstrap" }),
    });
    expect(minted.status).toBe(201);
    return ((await minted.json()) as { url: string }).url;
  };

  it("a join URL, fetched by Blixard's URL rule with no header, gives a BootstrapInfo iroh parses", async () => {
    const url = await joinUrl();
    const res = await fetch(blixardBootstrapUrl(url));
    expect(res.status).toBe(200);
    // The node that says it leads; its hex p2p_node_id is the key registered in base64.
    expect(await blixardReads("bootstrap", await res.text())).toEqual({
      node_id: 3,
      key: irohHexId(3),
      addresses: ["192.168.1.13:7001", "10.0.0.3:7001"],
    });
  });

  it("muster-agent join writes a discovery-peers.json Blixard parses, and says what it left out", async () => {
    const out = join(dir, "data", "discovery-peers.json");
    const agent = spawnAgent(bundle, ["join", "--seed", "10.9.9.9:7001", "--out", out], {
      MUSTER_TOKEN: TOKEN,
    });
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain("left out 1 of 1 peer(s)");
    expect(await blixardReads("peers", await readFile(out, "utf8"))).toEqual([]);

    // From a registry file, a join URL and a plain peer list at once: every entry parses.
    const files = [
      `${registry.url}/v1/services/bx/instances/node-1/registry.json`,
      await joinUrl(),
      `${registry.url}/v1/services/bx/peers.txt`,
    ];
    const mixed = spawnAgent(bundle, ["join", ...files, "--out", out], { MUSTER_TOKEN: TOKEN });
    expect(await mixed.exited).toBe(0);
    expect(mixed.output()).toMatch(/left out \d+ of \d+ peer\(s\)/);
    const written = (await blixardReads("peers", await readFile(out, "utf8"))) as Decoded[];
    expect(written.map((p) => [p.node_id, p.key])).toEqual([
      [1, irohHexId(1)],
      [3, irohHexId(3)],
    ]);

    const full = spawnAgent(
      bundle,
      ["join", `${registry.url}/v1/services/bx/peers.json`, "--out", out],
      {
        MUSTER_TOKEN: TOKEN,
      },
    );
    expect(await full.exited).toBe(0);
    const all = (await blixardReads("peers", await readFile(out, "utf8"))) as Decoded[];
    expect(all.map((p) => p.node_id)).toEqual([1, 2, 3]);
  });
});
