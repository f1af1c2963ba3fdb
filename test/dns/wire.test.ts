import * as packet from "dns-packet";
import { describe, expect, it } from "vitest";
import type { DnsSource } from "../../shared/dns/answer.js";
import { MAX_STREAM_MESSAGE, respond } from "../../shared/dns/wire.js";
import type { Instance } from "../../shared/model/instance.js";
import { instance } from "../support/instances.js";

const ZONE = { zone: "muster.internal", ttl: 5, now: () => Date.UTC(2026, 0, 1) };

const node = (n: number): Instance =>
  instance({
    service: "big",
    id: `node-${n}`,
    address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:7000`,
  });

/** The registry's side as data: the wire rules are what is under test here, not the store. */
const source = (count: number): DnsSource => ({
  mayRead: () => true,
  list: async () => Array.from({ length: count }, (_, n) => node(n)),
});

const ask = (name: string, type: packet.RecordType, extra: Partial<packet.Packet> = {}) =>
  packet.encode({ type: "query", id: 7, questions: [{ name, type, class: "IN" }], ...extra });

const edns = (size: number): packet.Answer[] => [
  {
    type: "OPT",
    name: ".",
    udpPayloadSize: size,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  },
];

describe("DNS wire rules (dns-packet)", () => {
  it("keeps a UDP answer within 512 bytes (or the EDNS size offered) and three times the query, else TC", async () => {
    const query = ask("_big._tcp.muster.internal", "SRV");
    const one = await respond(query, source(1), ZONE, "udp");
    expect(packet.decode(one.message).flag_tc).toBe(false);
    expect(packet.decode(one.message).answers).toHaveLength(1);
    // Three records and their glue pass three times a 43-byte query.
    const three = await respond(query, source(3), ZONE, "udp");
    expect(three.message.length).toBeLessThanOrEqual(3 * query.length);
    expect(packet.decode(three.message)).toMatchObject({ flag_tc: true, answers: [] });
    // A query padded (RFC 7830) to 468 bytes may have 1232 back with EDNS: seven records fit.
    const padded = ask("_big._tcp.muster.internal", "SRV", {
      additionals: [
        { ...edns(4096)[0], options: [{ code: 12, data: Buffer.alloc(400) }] } as packet.Answer,
      ],
    });
    const withEdns = await respond(padded, source(7), ZONE, "udp");
    expect(packet.decode(withEdns.message).answers).toHaveLength(7);
    expect(withEdns.message.length).toBeLessThanOrEqual(1232);
    // Without EDNS, 512 bytes whatever the padding.
    const classic = await respond(
      Buffer.concat([query, Buffer.alloc(400)]),
      source(30),
      ZONE,
      "udp",
    );
    expect(classic.message.length).toBeLessThanOrEqual(512);
    expect(packet.decode(classic.message).flag_tc).toBe(true);
  });

  it("drops glue first, then answers past 64 KiB on a stream, flagged TC", async () => {
    const big = await respond(
      ask("_big._tcp.muster.internal", "SRV"),
      source(2000),
      ZONE,
      "stream",
    );
    const decoded = packet.decode(big.message);
    expect(big.message.length).toBeLessThanOrEqual(MAX_STREAM_MESSAGE);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.additionals).toEqual([]);
    expect(decoded.answers?.length).toBeGreaterThan(500);
    const glueless = await respond(
      ask("_big._tcp.muster.internal", "SRV"),
      source(600),
      ZONE,
      "stream",
    );
    const g = packet.decode(glueless.message);
    expect(g.flag_tc).toBe(false);
    expect(g.answers).toHaveLength(600);
  });

  it("answers FORMERR for two questions, NOTIMP for another opcode, and echoes id and RD", async () => {
    const two = packet.encode({
      type: "query",
      id: 9,
      questions: [
        { name: "a.muster.internal", type: "A" },
        { name: "b.muster.internal", type: "A" },
      ],
    });
    const formerr = packet.decode((await respond(two, source(1), ZONE, "udp")).message);
    expect(formerr).toMatchObject({ id: 9, rcode: "FORMERR" });
    const update = ask("big.muster.internal", "A", { flags: 5 << 11 });
    expect(packet.decode((await respond(update, source(1), ZONE, "udp")).message)).toMatchObject({
      rcode: "NOTIMP",
      opcode: "UPDATE",
    });
    const rd = ask("big.muster.internal", "A", { flags: packet.RECURSION_DESIRED });
    expect(packet.decode((await respond(rd, source(1), ZONE, "udp")).message)).toMatchObject({
      id: 7,
      flag_rd: true,
      flag_ra: false,
      flag_aa: true,
    });
  });
});
