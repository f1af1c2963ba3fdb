import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohBase32 } from "../../shared/model/iroh-base32.js";
import { waitFor } from "../agent/support.js";
import { assertBlixardBinary, blixardJson } from "../support/blixard-client.js";
import { irohHexId, irohKeyBytes, irohNodeId } from "../support/iroh-keys.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";

const TOKEN = "blixard-dns-token-0123456789abcdef";

interface Found {
  node: string;
  addresses: string[];
  source: "dns" | "dns-txt";
}

/** Node n's direct addresses: IPv4 and IPv6 for most; IPv6 only for node 12 (and its address). */
const direct = (n: number) =>
  n === 12 ? ["[2001:db8::c]:7001"] : [`10.0.${n}.1:7001`, `[2001:db8::${n.toString(16)}]:7001`];
const address = (n: number) => (n === 12 ? "[2001:db8::c]:7001" : `192.168.1.${10 + n}:7001`);

/**
 * Blixard's DNS discovery (test/blixard-shapes/src/dns.rs: `query_domain` and
 * `parse_txt_record` of blixard-core/src/discovery/dns_discovery.rs with trust-dns-resolver
 * 0.23) asking muster's plain DNS in local mode.
 */
describe("Blixard's DNS discovery (trust-dns-resolver 0.23) against muster's DNS", () => {
  let dir: string;
  let server: LocalServer;
  let dns: string;

  beforeAll(async () => {
    assertBlixardBinary();
    dir = await mkdtemp(join(tmpdir(), "muster-blixard-dns-"));
    server = await startLocal({
      MUSTER_DATA_DIR: dir,
      MUSTER_TOKENS: TOKEN,
      MUSTER_DNS_PORT: "0",
      MUSTER_PUBLIC_SERVICES: "bx,pair",
      MUSTER_DNS_IROH_SERVICE: "bx",
    });
    dns = await waitFor(
      "the DNS listening line",
      () => /dns listening on (127\.0\.0\.1:\d+)/.exec(server.stderr())?.[1],
    );
    const beat = (service: string, body: unknown) =>
      fetch(`${server.url}/v1/services/${service}/heartbeats`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => expect(r.status).toBe(201));
    for (let n = 1; n <= 12; n++) {
      await beat("bx", {
        id: `node-${n}`,
        address: address(n),
        cluster_node_id: n,
        iroh_node_id: irohNodeId(n),
        direct_addresses: direct(n),
        ttl: 3600,
      });
    }
    // Not Blixard nodes: no NodeId, so neither Blixard's SRV parse nor its TXT parse takes them.
    await beat("bx", { id: "web-1", address: "10.9.0.1:80", ttl: 3600 });
    for (const n of [21, 22]) {
      await beat("pair", {
        id: `node-${n}`,
        address: `192.168.2.${n}:7001`,
        cluster_node_id: n,
        iroh_node_id: irohNodeId(n),
        direct_addresses: [`192.168.2.${n}:7001`],
        ttl: 3600,
      });
    }
  }, 60_000);

  afterAll(async () => {
    if (server) await stopLocal(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const discover = (domain: string) =>
    blixardJson<{ found: Found[]; nodes: Found[] }>(["dns", domain, dns]);

  const everyNode = Array.from({ length: 12 }, (_, k) => k + 1);
  const byKey = (list: Found[]) => [...list].sort((a, b) => a.node.localeCompare(b.node));

  it("finds every Blixard node of a service with its NodeId and direct addresses (TXT), over TCP once UDP is truncated", async () => {
    const { found, nodes } = await discover("_bx._tcp.muster.internal");
    // What Blixard's state keeps: one entry per NodeId, the TXT one (read last), carrying the
    // direct addresses.
    expect(byKey(nodes)).toEqual(
      byKey(
        everyNode.map((n) => ({ node: irohHexId(n), addresses: direct(n), source: "dns-txt" })),
      ),
    );
    // And from SRV, before it: the NodeId from the target's first label, the address from its
    // A record and the SRV port. Node 12 has only an AAAA record, which Blixard adds only to
    // a node IPv4 already found: its SRV entry is dropped by Blixard, the TXT one is not.
    const fromSrv = found.filter((f) => f.source === "dns");
    expect(byKey(fromSrv)).toEqual(
      byKey(
        everyNode
          .filter((n) => n !== 12)
          .map((n) => ({ node: irohHexId(n), addresses: [address(n)], source: "dns" })),
      ),
    );
  });

  it("answers a small service within UDP, and _iroh._tcp for the mapped service", async () => {
    const pair = await discover("_pair._tcp.muster.internal");
    expect(byKey(pair.nodes).map((f) => [f.node, f.addresses])).toEqual(
      byKey(
        [21, 22].map((n) => ({
          node: irohHexId(n),
          addresses: [`192.168.2.${n}:7001`],
          source: "dns-txt" as const,
        })),
      ).map((f) => [f.node, f.addresses]),
    );
    expect(pair.found.filter((f) => f.source === "dns")).toHaveLength(2);
    const iroh = await discover("_iroh._tcp.muster.internal");
    expect(byKey(iroh.nodes).map((f) => f.node)).toEqual(everyNode.map(irohHexId).sort());
  });

  it("writes NodeIds in base32 that iroh's own NodeId::from_str reads back to the same key", async () => {
    for (let n = 1; n <= 40; n++) {
      const b32 = irohBase32(irohKeyBytes(n));
      expect(b32).toHaveLength(52);
      for (const text of [b32, b32.toUpperCase()]) {
        expect(await blixardJson<{ key: string }>(["nodeid", text])).toEqual({ key: irohHexId(n) });
      }
    }
  });
});
