import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { discoverLayered, joinLayers, type Layer } from "./layered.js";
import { addressPeer } from "./peers.js";

const AT = { secs_since_epoch: 1_767_225_600, nanos_since_epoch: 0 };

function layer(name: string, outcome: string[] | Error, calls: string[]): Layer {
  return {
    name,
    discover: async () => {
      calls.push(name);
      if (outcome instanceof Error) throw outcome;
      return { peers: outcome.map((a) => addressPeer(a, AT)) };
    },
  };
}

describe("discoverLayered", () => {
  it("stops at the first layer that yields peers", async () => {
    const calls: string[] = [];
    const result = await discoverLayered([
      layer("seeds", ["10.0.0.1:1"], calls),
      layer("registry", ["10.0.0.2:1"], calls),
    ]);
    expect(calls).toEqual(["seeds"]);
    expect(result.layer).toBe("seeds");
    expect(result.peers.map((p) => p.node_id)).toEqual(["10.0.0.1:1"]);
  });

  it("falls through empty and failed layers, in order, and says which was which", async () => {
    const calls: string[] = [];
    const result = await discoverLayered([
      layer("registry", new Error("ECONNREFUSED"), calls),
      layer("dns", [], calls),
      layer("last", ["10.0.0.3:1"], calls),
    ]);
    expect(calls).toEqual(["registry", "dns", "last"]);
    expect(result.layer).toBe("last");
    expect(result.outcomes).toEqual([
      { layer: "registry", peers: 0, warnings: [], error: "ECONNREFUSED" },
      { layer: "dns", peers: 0, warnings: [] },
      { layer: "last", peers: 1, warnings: [] },
    ]);
  });

  it("yields nothing when no layer has peers: a single-node start", async () => {
    const result = await discoverLayered([layer("a", [], []), layer("b", [], [])]);
    expect(result).toMatchObject({ peers: [], layer: undefined });
  });
});

describe("joinLayers", () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it("orders seeds, registry URLs, DNS SRV, and skips those not configured", () => {
    const names = joinLayers({ seeds: ["a:1"], locations: ["http://x/"], srv: "_s._tcp.x" }).map(
      (l) => l.name,
    );
    expect(names).toEqual(["static seeds", "registry", "DNS SRV _s._tcp.x"]);
    expect(joinLayers({ srv: "_s._tcp.x" }).map((l) => l.name)).toEqual(["DNS SRV _s._tcp.x"]);
    expect(() => joinLayers({ seeds: ["nope"] })).toThrow(/not host:port/);
  });

  it("reaches DNS only when the registry URLs yield nothing", async () => {
    // A real HTTP registry stand-in answering an empty peers.txt; the DNS server given does
    // not exist, so reaching the SRV layer shows as its (fast) failure.
    server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("");
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/peers.txt`;
    const result = await discoverLayered(
      joinLayers({
        locations: [url],
        srv: "_blixard._tcp.cluster.local",
        dns: { servers: ["127.0.0.1:9"], timeoutMs: 200, tries: 1 },
      }),
    );
    expect(result.peers).toEqual([]);
    expect(result.outcomes.map((o) => [o.layer, o.peers, o.error !== undefined])).toEqual([
      ["registry", 0, false],
      ["DNS SRV _blixard._tcp.cluster.local", 0, true],
    ]);
  });

  it("answers with the reachable locations and warns about the rest", async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("10.0.0.9:7001\n");
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/peers.txt`;
    const [registry] = joinLayers({ locations: [url, "/nonexistent/peers.json"] });
    const result = await registry?.discover();
    expect(result?.peers.map((p) => p.node_id)).toEqual(["10.0.0.9:7001"]);
    expect(result?.warnings?.[0]).toMatch(/nonexistent.*ENOENT/);
    const [allDown] = joinLayers({ locations: ["/nonexistent/a.json", "/nonexistent/b.json"] });
    await expect(allDown?.discover()).rejects.toThrow(/a.json.*b.json/);
  });
});
