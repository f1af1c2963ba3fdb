import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { lookupSrv, srvToPeers } from "./srv.js";

const AT = { secs_since_epoch: 1_767_225_600, nanos_since_epoch: 0 };

describe("srvToPeers", () => {
  it("orders by priority, then weight, and drops the names' trailing dot", () => {
    const peers = srvToPeers(
      [
        { name: "node3.cluster.local.", port: 7946, priority: 1, weight: 5 },
        { name: "node1.cluster.local.", port: 7946, priority: 0, weight: 1 },
        { name: "node2.cluster.local", port: 7947, priority: 0, weight: 10 },
      ],
      AT,
    );
    expect(peers.map((p) => p.node_id)).toEqual([
      "node2.cluster.local:7947",
      "node1.cluster.local:7946",
      "node3.cluster.local:7946",
    ]);
    expect(peers[0]).toEqual({
      node_id: "node2.cluster.local:7947",
      iroh_node_id: null,
      direct_addresses: ["node2.cluster.local:7947"],
      relay_url: null,
      source: "static",
      discovered_at: AT,
    });
  });
});

describe("lookupSrv", () => {
  it("fails, quickly and by name, when the DNS server does not answer", async () => {
    // A UDP socket that reads queries and never answers: the resolver's timeout is what ends it.
    const silent = createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", r));
    const { port } = silent.address();
    const started = Date.now();
    try {
      await expect(
        lookupSrv("_blixard._tcp.cluster.local", {
          servers: [`127.0.0.1:${port}`],
          timeoutMs: 200,
          tries: 1,
        }),
      ).rejects.toThrow(/SRV _blixard._tcp.cluster.local: ETIMEOUT/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});
