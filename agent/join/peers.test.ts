import { describe, expect, it } from "vitest";
import { irohHexId, irohNodeId } from "../../test/support/iroh-keys.js";
import { formatPeers } from "./output.js";
import { dedupePeers, parsePeerDocument } from "./peers.js";

const AT = { secs_since_epoch: 1_767_225_600, nanos_since_epoch: 0 };
const BASE = "https://registry.example/v1/services/blixard";

describe("parsePeerDocument", () => {
  it("keeps a peers.json (the registry's, or Blixard's own) entry as it is", () => {
    const doc = [
      {
        node_id: 1,
        iroh_node_id: irohNodeId(1),
        direct_addresses: ["192.168.1.10:7001"],
        relay_url: "https://relay.iroh.network",
        source: "heartbeat",
        discovered_at: { secs_since_epoch: 1_704_067_200, nanos_since_epoch: 5_000_000 },
      },
      {
        node_id: 2,
        iroh_node_id: irohNodeId(2),
        direct_addresses: ["192.168.1.11:7002"],
        relay_url: null,
        source: "static",
        discovered_at: { secs_since_epoch: 1_704_067_200, nanos_since_epoch: 0 },
      },
    ];
    expect(parsePeerDocument(JSON.stringify(doc), "json", `${BASE}/peers.json`, AT)).toEqual(doc);
  });

  it("reads an older muster's RFC 3339 discovered_at as serde's SystemTime", () => {
    const old = [
      {
        node_id: "node-1",
        direct_addresses: ["10.0.0.1:7001"],
        source: "heartbeat",
        discovered_at: "2024-01-01T00:00:00Z",
      },
    ];
    expect(parsePeerDocument(JSON.stringify(old), "json", "u", AT)[0]?.discovered_at).toEqual({
      secs_since_epoch: 1_704_067_200,
      nanos_since_epoch: 0,
    });
  });

  it("takes any source, and calls one that is missing or not a string static", () => {
    const entry = { node_id: 1, direct_addresses: ["10.0.0.1:7001"], discovered_at: AT };
    const doc = [
      entry,
      { ...entry, source: 5 },
      { ...entry, source: null },
      { ...entry, source: "x" },
    ];
    expect(parsePeerDocument(JSON.stringify(doc), "json", "u", AT).map((p) => p.source)).toEqual([
      "static",
      "static",
      "static",
      "x",
    ]);
  });

  it("reads a bootstrap answer (a join URL), its hex key back to base64", () => {
    const info = {
      node_id: 3,
      p2p_node_id: irohHexId(3),
      p2p_addresses: ["10.0.0.3:7001"],
      p2p_relay_url: null,
    };
    expect(parsePeerDocument(JSON.stringify(info), "json", "u", AT)).toEqual([
      {
        node_id: 3,
        iroh_node_id: irohNodeId(3),
        direct_addresses: ["10.0.0.3:7001"],
        relay_url: null,
        source: "static",
        discovered_at: AT,
      },
    ]);
    expect(() =>
      parsePeerDocument(JSON.stringify({ ...info, p2p_node_id: irohNodeId(3) }), "json", "u5", AT),
    ).toThrow(/u5: p2p_node_id: must be 64 lowercase hex/);
  });

  it("turns a registry file into a static entry, its id from cluster_node_id or the URL", () => {
    const file = {
      cluster_node_id: 1,
      iroh_node_id: irohNodeId(1),
      direct_addresses: ["192.168.1.10:7001", "10.0.0.5:7001"],
      relay_url: "https://relay.iroh.network",
      address: "192.168.1.10:7001",
    };
    expect(parsePeerDocument(JSON.stringify(file), "json", "/etc/node1.json", AT)).toEqual([
      {
        node_id: 1,
        iroh_node_id: irohNodeId(1),
        direct_addresses: ["192.168.1.10:7001", "10.0.0.5:7001"],
        relay_url: "https://relay.iroh.network",
        source: "static",
        discovered_at: AT,
      },
    ]);
    const bare = JSON.stringify({ ...file, cluster_node_id: null, direct_addresses: [] });
    expect(
      parsePeerDocument(bare, "unknown", `${BASE}/instances/node%3A7/registry.json`, AT)[0],
    ).toMatchObject({ node_id: "node:7", direct_addresses: ["192.168.1.10:7001"] });
    expect(parsePeerDocument(bare, "json", "/etc/node7.json", AT)[0]?.node_id).toBe(
      "192.168.1.10:7001",
    );
  });

  it("reads peers.txt, even a line that starts like a JSON array", () => {
    const peers = parsePeerDocument("# seeds\n[::1]:7001\n10.0.0.1:7002\n", "unknown", "f", AT);
    expect(peers.map((p) => p.node_id)).toEqual(["[::1]:7001", "10.0.0.1:7002"]);
    expect(peers[0]).toEqual({
      node_id: "[::1]:7001",
      iroh_node_id: null,
      direct_addresses: ["[::1]:7001"],
      relay_url: null,
      source: "static",
      discovered_at: AT,
    });
  });

  it("reads the registry's /srv answer", () => {
    const srv = {
      name: "_blixard._tcp",
      records: [{ target: "2001:db8::1", port: 7001, priority: 0, weight: 1, ttl: 5 }],
    };
    expect(parsePeerDocument(JSON.stringify(srv), "json", "u", AT)[0]?.direct_addresses).toEqual([
      "[2001:db8::1]:7001",
    ]);
  });

  it("names the document and the field when it is not one it knows", () => {
    expect(() => parsePeerDocument("{nope", "json", "u1", AT)).toThrow(/u1: not valid JSON/);
    expect(() => parsePeerDocument('{"x":1}', "json", "u2", AT)).toThrow(/u2: not a peers.json/);
    expect(() =>
      parsePeerDocument('[{"node_id":1,"direct_addresses":["nope"]}]', "json", "u3", AT),
    ).toThrow(/u3: 0\.direct_addresses\.0: must be host:port/);
    expect(() => parsePeerDocument("10.0.0.1\n", "text", "u4", AT)).toThrow(
      /u4: "10.0.0.1" is not host:port/,
    );
  });

  it("reads an empty list as no peers, not as an error", () => {
    expect(parsePeerDocument("[]", "json", "u", AT)).toEqual([]);
    expect(parsePeerDocument("", "text", "u", AT)).toEqual([]);
  });
});

describe("dedupePeers", () => {
  it("keeps the first entry of each node", () => {
    const a = parsePeerDocument("10.0.0.1:1\n10.0.0.2:1\n", "text", "a", AT);
    const b = parsePeerDocument("10.0.0.2:1\n10.0.0.3:1\n", "text", "b", AT);
    expect(dedupePeers([...a, ...b]).map((p) => p.node_id)).toEqual([
      "10.0.0.1:1",
      "10.0.0.2:1",
      "10.0.0.3:1",
    ]);
  });
});

describe("formatPeers", () => {
  const mixed = () => [
    ...parsePeerDocument("10.0.0.9:7001\n", "text", "seeds", AT),
    {
      node_id: 4,
      iroh_node_id: irohNodeId(4),
      direct_addresses: ["10.0.0.4:7001", "node4.cluster.local:7001"],
      relay_url: null,
      source: "static",
      discovered_at: AT,
    },
    {
      node_id: 5,
      iroh_node_id: Buffer.alloc(32, 0xff).toString("base64"),
      direct_addresses: ["10.0.0.5:7001"],
      relay_url: null,
      source: "static",
      discovered_at: AT,
    },
  ];

  it("writes only peers Blixard can read as DiscoveredPeer, and counts the others", () => {
    const out = formatPeers(mixed(), "json");
    expect(out).toMatchObject({ written: 1, omitted: 2 });
    expect(JSON.parse(out.text)).toEqual([
      {
        node_id: 4,
        iroh_node_id: irohNodeId(4),
        // A host name is no SocketAddr: Blixard would drop it, so it is not written.
        direct_addresses: ["10.0.0.4:7001"],
        relay_url: null,
        source: "static",
        discovered_at: AT,
      },
    ]);
  });

  it("keeps every peer's address in txt", () => {
    expect(formatPeers(mixed(), "txt")).toEqual({
      text: "10.0.0.9:7001\n10.0.0.4:7001\n10.0.0.5:7001\n",
      written: 3,
      omitted: 0,
    });
  });
});
