import { describe, expect, it } from "vitest";
import { dedupePeers, parsePeerDocument } from "./peers.js";

const AT = "2026-01-01T00:00:00Z";
const BASE = "https://registry.example/v1/services/blixard";

describe("parsePeerDocument", () => {
  it("keeps a peers.json (the registry's, or Blixard's own) entry as it is", () => {
    const doc = [
      {
        node_id: 1,
        iroh_node_id: "iroh-1",
        direct_addresses: ["192.168.1.10:7001"],
        relay_url: "https://relay.iroh.network",
        source: "heartbeat",
        discovered_at: "2024-01-01T00:00:00Z",
      },
      {
        node_id: 2,
        iroh_node_id: "another-base64-node-id",
        direct_addresses: ["192.168.1.11:7002"],
        relay_url: null,
        source: "static",
        discovered_at: "2024-01-01T00:00:00Z",
      },
    ];
    expect(parsePeerDocument(JSON.stringify(doc), "json", `${BASE}/peers.json`, AT)).toEqual(doc);
  });

  it("turns a registry file into a static entry, its id from cluster_node_id or the URL", () => {
    const file = {
      cluster_node_id: 1,
      iroh_node_id: "base64-encoded-node-id",
      direct_addresses: ["192.168.1.10:7001", "10.0.0.5:7001"],
      relay_url: "https://relay.iroh.network",
      address: "192.168.1.10:7001",
    };
    expect(parsePeerDocument(JSON.stringify(file), "json", "/etc/node1.json", AT)).toEqual([
      {
        node_id: 1,
        iroh_node_id: "base64-encoded-node-id",
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
