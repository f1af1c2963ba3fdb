import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohNodeId } from "../support/iroh-keys.js";
import { blixardNode } from "../support/registry.js";
import {
  buildAgent,
  type RunningRegistry,
  removeAgent,
  spawnAgent,
  startRegistry,
} from "./support.js";

describe("muster-agent join against the real registry", () => {
  let bundle: string;
  let registry: RunningRegistry;
  let dir: string;

  const join_ = async (args: string[], env: Record<string, string> = {}) => {
    const agent = spawnAgent(bundle, ["join", ...args], env);
    const code = await agent.exited;
    return { code, stdout: agent.stdout(), output: agent.output() };
  };

  beforeAll(async () => {
    [bundle, registry, dir] = await Promise.all([
      buildAgent(),
      startRegistry(),
      mkdtemp(join(tmpdir(), "muster-join-")),
    ]);
    for (const n of [1, 2, 3]) {
      const res = await registry.heartbeat("blixard", { ...blixardNode(n), ttl: 600 });
      expect(res.status).toBe(201);
    }
    await registry.heartbeat("blixard", { ...blixardNode(3), ttl: 600, status: "critical" });
  });
  afterAll(async () => {
    await registry?.close();
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes the registry's peers.json as Blixard's discovery-peers.json, byte for byte", async () => {
    const url = `${registry.url}/v1/services/blixard/peers.json`;
    const out = join(dir, "data", "discovery-peers.json");
    const { code, output } = await join_([url, "--out", out]);
    expect(code).toBe(0);
    const served = await (await registry.get("/v1/services/blixard/peers.json")).text();
    expect(await readFile(out, "utf8")).toBe(served);
    const peers = JSON.parse(served);
    // The critical node is left out, as the registry leaves it out of what joiners read.
    expect(peers.map((p: { node_id: number }) => p.node_id)).toEqual([1, 2]);
    expect(peers[0]).toMatchObject({
      node_id: 1,
      iroh_node_id: irohNodeId(1),
      direct_addresses: ["192.168.1.11:7001", "10.0.0.1:7001"],
      relay_url: "https://relay.iroh.network",
      source: "heartbeat",
    });
    expect(output).toContain(`wrote 2 peer(s) from registry to ${out}`);
  });

  it("merges the registry files BLIXARD_NODE_REGISTRIES lists into static entries", async () => {
    const file = join(dir, "node9.json");
    await writeFile(
      file,
      JSON.stringify({
        cluster_node_id: 9,
        iroh_node_id: irohNodeId(9),
        direct_addresses: ["192.168.1.99:7001"],
        relay_url: null,
        address: "192.168.1.99:7001",
      }),
    );
    const registries = [
      `${registry.url}/v1/services/blixard/instances/node-1/registry.json`,
      `${registry.url}/v1/services/blixard/instances/node-2/registry.json`,
      file,
    ].join(",");
    const { code, stdout } = await join_(["--data-dir", dir], {
      BLIXARD_NODE_REGISTRIES: registries,
    });
    expect(code).toBe(0);
    expect(stdout).toBe("");
    const written = JSON.parse(await readFile(join(dir, "discovery-peers.json"), "utf8"));
    expect(written.map((p: { node_id: number; source: string }) => [p.node_id, p.source])).toEqual([
      [1, "static"],
      [2, "static"],
      [9, "static"],
    ]);
    expect(written[1]).toMatchObject({
      iroh_node_id: irohNodeId(2),
      direct_addresses: ["192.168.1.12:7001", "10.0.0.2:7001"],
      relay_url: "https://relay.iroh.network",
    });
  });

  it("prints peers.txt and srv answers as host:port lines", async () => {
    const txt = await join_([`${registry.url}/v1/services/blixard/peers.txt`, "--format", "txt"]);
    expect(txt).toMatchObject({ code: 0, stdout: "192.168.1.11:7001\n192.168.1.12:7001\n" });
    const srv = await join_([`${registry.url}/v1/services/blixard/srv`, "--format", "txt"]);
    expect(srv.stdout).toBe("192.168.1.11:7001\n192.168.1.12:7001\n");
  });

  it("says how many instances it, or the registry, left out of Blixard's file", async () => {
    await registry.heartbeat("mixed", { ...blixardNode(1), ttl: 600 });
    await registry.heartbeat("mixed", { id: "web-1", address: "127.0.0.1:8080", ttl: 600 });
    const fromJson = await join_([`${registry.url}/v1/services/mixed/peers.json`]);
    expect(fromJson.code).toBe(0);
    expect(JSON.parse(fromJson.stdout).map((p: { node_id: number }) => p.node_id)).toEqual([1]);
    expect(fromJson.output).toContain(
      `registry: ${registry.url}/v1/services/mixed/peers.json: the registry left out 1 instance(s) that are not Blixard nodes (no cluster_node_id or no valid iroh_node_id); its peers.txt lists every instance`,
    );
    // From peers.txt the agent finds both, and leaves the one Blixard cannot read out itself.
    const fromTxt = await join_([`${registry.url}/v1/services/mixed/peers.txt`]);
    expect(fromTxt.code).toBe(0);
    expect(fromTxt.output).toMatch(/left out 2 of 2 peer\(s\) with no cluster node id/);
  });

  it("layers: seeds win; an empty registry falls through; a failure leaves the file alone", async () => {
    const peersUrl = `${registry.url}/v1/services/blixard/peers.json`;
    const seeded = await join_(["--seed", "10.9.9.9:7001", peersUrl]);
    // A seed is an address, not a Blixard node (no node id, no Iroh key): Blixard could not
    // read it, so the JSON is empty, and join says why.
    expect(seeded).toMatchObject({ code: 0, stdout: "[]\n" });
    expect(seeded.output).toContain("left out 1 of 1 peer(s) with no cluster node id");
    const seededTxt = await join_(["--seed", "10.9.9.9:7001", "--format", "txt"]);
    expect(seededTxt.stdout).toBe("10.9.9.9:7001\n");

    // Nobody registered in "empty": every layer answers, with nothing: a single-node start.
    const empty = await join_([`${registry.url}/v1/services/empty/peers.json`]);
    expect(empty).toMatchObject({ code: 0, stdout: "[]\n" });

    // Registry empty, then DNS that cannot be reached: nothing found and a layer failed.
    const out = join(dir, "keep", "discovery-peers.json");
    await join_([peersUrl, "--out", out]);
    const before = await readFile(out, "utf8");
    const failed = await join_([
      `${registry.url}/v1/services/empty/peers.json`,
      "--srv",
      "_blixard._tcp.cluster.local",
      "--dns-server",
      "127.0.0.1:9",
      "--timeout",
      "1",
      "--out",
      out,
    ]);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/DNS SRV _blixard._tcp.cluster.local failed/);
    expect(failed.output).toContain(`${out} left as it was`);
    expect(await readFile(out, "utf8")).toBe(before);
  });

  it("needs the token for a registry, and says so", async () => {
    const url = `${registry.url}/v1/services/blixard/peers.json`;
    const { code, output } = await join_([url], { MUSTER_TOKEN: "" });
    expect(code).toBe(1);
    expect(output).toMatch(/answered 401: missing bearer token/);
  });
});
