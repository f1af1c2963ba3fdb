import * as packet from "dns-packet";
import { beforeAll, describe, expect, it } from "vitest";
import type { DnsSource } from "../../shared/dns/answer.js";
import { compressNames } from "../../shared/dns/compress.js";
import { firstQuestion } from "../../shared/dns/raw-message.js";
import {
  DnsFormatError,
  formatError,
  MAX_STREAM_MESSAGE,
  respond,
  serverFailure,
} from "../../shared/dns/wire.js";
import type { Instance } from "../../shared/model/instance.js";
import { engine } from "../engines/index.js";
import { instance } from "../support/instances.js";
import { type TestRegistry, TOKEN_A, testRegistry } from "../support/registry.js";
import { ednsOpt, hostileQueries, questionBytes } from "./hostile-queries.js";

/** dns-packet decodes the rcode as a name; its type declarations leave it out. */
const rcodeOf = (m: packet.DecodedPacket) => (m as packet.DecodedPacket & { rcode: string }).rcode;

const ZONE = { zone: "muster.internal", ttl: 5, now: () => Date.UTC(2026, 0, 1) };

const node = (n: number): Instance =>
  instance({ service: "big", id: `node-${n}`, address: `10.0.${n >> 8}.${n & 255}:7000` });
const BIG = Array.from({ length: 300 }, (_, n) => node(n));
const source: DnsSource = { mayRead: () => true, list: async (s) => (s === "big" ? BIG : []) };

/** What the UDP and TCP servers send for a query: the answer, FORMERR, or nothing. */
async function reply(query: Buffer, transport: "udp" | "stream"): Promise<Buffer | undefined> {
  try {
    return (await respond(query, source, ZONE, transport)).message;
  } catch (err) {
    if (err instanceof DnsFormatError) return formatError(query);
    throw err;
  }
}

describe("DNS replies are bounded whatever is asked (issue 22's sweep)", () => {
  for (const { name, query, unanswered } of hostileQueries(ZONE.zone)) {
    it(`${name}: UDP ≤ 3× the query and its limit, a stream within its frame, each decodable`, async () => {
      for (const transport of ["udp", "stream"] as const) {
        const out = await reply(query, transport);
        if (unanswered) {
          expect(out, transport).toBeUndefined();
          continue;
        }
        expect(out, transport).toBeDefined();
        const message = out as Buffer;
        const decoded = packet.decode(message);
        expect(decoded.type).toBe("response");
        expect(decoded.questions?.length ?? 0).toBeLessThanOrEqual(1);
        if (transport === "udp") {
          expect(message.length, `${message.length} for ${query.length}`).toBeLessThanOrEqual(
            3 * query.length,
          );
          expect(message.length).toBeLessThanOrEqual(1232);
        } else {
          expect(message.length).toBeLessThanOrEqual(MAX_STREAM_MESSAGE);
          // An error or refusal is never larger than three times the query, on a stream too.
          if (rcodeOf(decoded) !== "NOERROR") {
            expect(message.length).toBeLessThanOrEqual(3 * query.length);
          }
        }
        // The question comes back with the bytes it was asked with (none for FORMERR).
        const asked = firstQuestion(query);
        const echoed = questionBytes(message);
        if (echoed) expect(echoed.equals(asked as Buffer)).toBe(true);
      }
    });
  }

  it("answers nothing for a response, so two servers cannot bounce packets for ever", async () => {
    const formerr = formatError(packet.encode({ type: "query", id: 1, questions: [] })) as Buffer;
    expect(packet.decode(formerr).type).toBe("response");
    expect(formatError(formerr)).toBeUndefined();
    expect(serverFailure(formerr)).toBeUndefined();
    await expect(respond(formerr, source, ZONE, "udp")).rejects.toBeInstanceOf(DnsFormatError);
  });

  it("answers a 63 × 0xff label decodably: NXDOMAIN under the zone, REFUSED outside it", async () => {
    const [inZone, atRoot] = hostileQueries(ZONE.zone).filter((q) => q.name.includes("0xff"));
    const a = packet.decode((await respond(inZone?.query as Buffer, source, ZONE, "udp")).message);
    expect(a).toMatchObject({ rcode: "NXDOMAIN", id: 0x3333 });
    const b = packet.decode((await respond(atRoot?.query as Buffer, source, ZONE, "udp")).message);
    expect(rcodeOf(b)).toBe("REFUSED");
  });

  it("compresses names without changing what the message says", async () => {
    const query = packet.encode({
      type: "query",
      id: 1,
      questions: [{ name: "_big._tcp.muster.internal", type: "SRV" }],
      additionals: [ednsOpt(1232)],
    });
    const full = (await respond(query, source, ZONE, "stream")).message;
    const uncompressed = packet.encode(packet.decode(full));
    expect(full.length).toBeLessThan(uncompressed.length * 0.6);
    expect(packet.decode(full)).toEqual(packet.decode(uncompressed));
    expect(compressNames(uncompressed).message.equals(full)).toBe(true);
    const soa = (
      await respond(
        packet.encode({
          type: "query",
          id: 2,
          questions: [{ name: "no.muster.internal", type: "A" }],
        }),
        source,
        ZONE,
        "udp",
      )
    ).message;
    expect(packet.decode(soa).authorities?.[0]).toMatchObject({
      type: "SOA",
      name: "muster.internal",
    });
  });
});

describe("DNS over HTTPS faces the same sweep", () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await testRegistry(engine("sqlite"), { publicServices: ["big"] });
    for (let n = 0; n < 300; n++) {
      const beat = await r.heartbeat("big", {
        id: `node-${n}`,
        address: `10.0.${n >> 8}.${n & 255}:7000`,
      });
      expect(beat.status).toBe(201);
    }
  }, 60_000);

  for (const { name, query, unanswered } of hostileQueries(ZONE.zone)) {
    it(`${name}: a bounded answer or a 400, never a 500`, async () => {
      const res = await r.app.request("/dns-query", {
        method: "POST",
        headers: { "Content-Type": "application/dns-message", Authorization: `Bearer ${TOKEN_A}` },
        body: new Uint8Array(query),
      });
      const body = Buffer.from(await res.arrayBuffer());
      // What does not decode as a query is a 400 in JSON, small whatever was sent.
      if (unanswered || res.status === 400) {
        expect(res.status).toBe(400);
        expect(JSON.parse(body.toString()).error.code).toBe("invalid_dns_message");
        expect(body.length).toBeLessThanOrEqual(Math.max(3 * query.length, 300));
        return;
      }
      expect(res.status).toBe(200);
      const decoded = packet.decode(body);
      expect(body.length).toBeLessThanOrEqual(MAX_STREAM_MESSAGE);
      if (rcodeOf(decoded) !== "NOERROR") expect(body.length).toBeLessThanOrEqual(3 * query.length);
    });
  }
});
