import * as packet from "dns-packet";
import { describe, expect, it } from "vitest";
import type { DnsSource, ZoneOptions } from "../../shared/dns/answer.js";
import { respond } from "../../shared/dns/wire.js";
import type { Instance } from "../../shared/model/instance.js";
import { irohBase32 } from "../../shared/model/iroh-base32.js";
import { instance } from "../support/instances.js";
import { irohKeyBytes, irohNodeId } from "../support/iroh-keys.js";

const ZONE: ZoneOptions = { zone: "muster.internal", ttl: 5, now: () => Date.UTC(2026, 0, 1) };
const b32 = (n: number) => irohBase32(irohKeyBytes(n));

/** A Blixard node as a heartbeat registers it (test/support/registry.ts `blixardNode`). */
const blixard = (n: number, overrides: Partial<Instance> = {}): Instance =>
  instance({
    service: "bx",
    id: `node-${n}`,
    address: `192.168.1.${10 + n}:7001`,
    cluster_node_id: n,
    iroh_node_id: irohNodeId(n),
    direct_addresses: [`192.168.1.${10 + n}:7001`, `[2001:db8::${n}]:7002`],
    ...overrides,
  });

const source = (instances: Instance[]): DnsSource => ({
  mayRead: () => true,
  list: async (service) => instances.filter((i) => i.service === service),
});

const ask = async (
  instances: Instance[],
  name: string,
  type: packet.RecordType | "ANY",
  transport: "udp" | "stream" = "stream",
  zone: ZoneOptions = ZONE,
) => {
  const query = packet.encode({
    type: "query",
    id: 9,
    questions: [{ name, type: type as packet.RecordType, class: "IN" }],
  });
  return packet.decode((await respond(query, source(instances), zone, transport)).message);
};

const data = (answers: packet.Answer[] | undefined) =>
  (answers ?? []).map((a) => ("data" in a ? a.data : undefined));

const txtOf = (answers: packet.Answer[] | undefined) =>
  (answers ?? [])
    .filter((a) => a.type === "TXT")
    .map((a) => (a.data as Buffer[]).map((s) => s.toString()));

describe("DNS for Blixard nodes: NodeId-named SRV targets and node= addr= TXT records", () => {
  const web = instance({ service: "bx", id: "web-1", address: "10.0.0.9:80" });
  const nodes = [blixard(1), blixard(2), web];

  it("names a node's SRV target by its base32 NodeId, with glue; others keep their id", async () => {
    const m = await ask(nodes, "_bx._tcp.muster.internal", "SRV");
    expect(data(m.answers)).toEqual([
      { priority: 0, weight: 1, port: 7001, target: `${b32(1)}.bx.muster.internal` },
      { priority: 0, weight: 1, port: 7001, target: `${b32(2)}.bx.muster.internal` },
      { priority: 0, weight: 1, port: 80, target: "web-1.bx.muster.internal" },
    ]);
    expect(m.additionals?.map((a) => [a.name, a.type, data([a])[0]])).toEqual([
      [`${b32(1)}.bx.muster.internal`, "A", "192.168.1.11"],
      [`${b32(2)}.bx.muster.internal`, "A", "192.168.1.12"],
      ["web-1.bx.muster.internal", "A", "10.0.0.9"],
    ]);
  });

  it("answers A for the NodeId name, in any case, and keeps the id name too", async () => {
    for (const name of [
      `${b32(2)}.bx.muster.internal`,
      `${b32(2).toUpperCase()}.bx.muster.internal`,
    ]) {
      const m = await ask(nodes, name, "A");
      expect(data(m.answers)).toEqual(["192.168.1.12"]);
    }
    expect(data((await ask(nodes, "node-2.bx.muster.internal", "A")).answers)[0]).toBe(
      "192.168.1.12",
    );
    // A NodeId nobody registered is no name.
    const other = await ask(nodes, `${b32(9)}.bx.muster.internal`, "A");
    expect((other as { rcode?: string }).rcode).toBe("NXDOMAIN");
  });

  it("answers TXT node=<NodeId> addr=… at the SRV name, one string per node, no glue", async () => {
    const m = await ask(nodes, "_bx._tcp.muster.internal", "TXT");
    expect(txtOf(m.answers)).toEqual([
      [`node=${b32(1)} addr=192.168.1.11:7001 addr=[2001:db8::1]:7002`],
      [`node=${b32(2)} addr=192.168.1.12:7001 addr=[2001:db8::2]:7002`],
    ]);
    expect(m.additionals).toEqual([]);
    const any = await ask(nodes, "_bx._tcp.muster.internal", "ANY");
    expect(any.answers?.map((a) => a.type)).toEqual(["SRV", "SRV", "SRV", "TXT", "TXT"]);
  });

  it("keeps a node's string within 255 bytes, offers the address when there are no direct ones, and skips nodes with no socket address", async () => {
    const many = blixard(3, {
      direct_addresses: Array.from(
        { length: 12 },
        (_, k) => `[2001:db8:aaaa:bbbb:cccc:dddd:eeee:${k}]:7001`,
      ),
    });
    const none = blixard(4, { address: "bx4.example.internal:7001", direct_addresses: [] });
    const bare = blixard(5, { direct_addresses: [] });
    const [manyTxt, ...rest] = txtOf(
      (await ask([many, none, bare], "_bx._tcp.muster.internal", "TXT")).answers,
    );
    const text = manyTxt?.[0] ?? "";
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(255);
    // As many addresses as fit, in order: the next one would pass 255 bytes.
    const kept = text.split(" addr=").slice(1);
    expect(kept.length).toBeGreaterThan(1);
    expect(kept).toEqual(many.direct_addresses.slice(0, kept.length));
    const next = `${text} addr=${many.direct_addresses[kept.length]}`;
    expect(Buffer.byteLength(next)).toBeGreaterThan(255);
    expect(rest).toEqual([[`node=${b32(5)} addr=192.168.1.15:7001`]]);
  });

  it("truncates TXT over UDP like SRV, and answers it whole over TCP", async () => {
    const fleet = Array.from({ length: 12 }, (_, k) => blixard(k + 1));
    const udp = await ask(fleet, "_bx._tcp.muster.internal", "TXT", "udp");
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const tcp = await ask(fleet, "_bx._tcp.muster.internal", "TXT", "stream");
    expect(tcp.flag_tc).toBe(false);
    expect(txtOf(tcp.answers).map((t) => t[0]?.split(" ")[0])).toEqual(
      fleet.map((_, k) => `node=${b32(k + 1)}`),
    );
  });

  it("answers _iroh._tcp for the service MUSTER_DNS_IROH_SERVICE maps, and only then", async () => {
    const mapped = { ...ZONE, irohService: "bx" };
    const srv = await ask(nodes, "_iroh._tcp.muster.internal", "SRV", "stream", mapped);
    expect(srv.answers?.map((a) => a.name)).toEqual(Array(3).fill("_iroh._tcp.muster.internal"));
    expect((data(srv.answers)[0] as packet.SrvData).target).toBe(`${b32(1)}.bx.muster.internal`);
    const txt = await ask(nodes, "_iroh._tcp.muster.internal", "TXT", "stream", mapped);
    expect(txtOf(txt.answers)).toHaveLength(2);
    // Unmapped, `_iroh._tcp` is the SRV name of a service called iroh, as any other.
    const unmapped = await ask(nodes, "_iroh._tcp.muster.internal", "SRV");
    expect((unmapped as { rcode?: string }).rcode).toBe("NXDOMAIN");
  });
});
