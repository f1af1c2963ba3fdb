import * as packet from "dns-packet";
import { answerQuestion, type DnsSource, RCODE, type ZoneOptions } from "./answer.js";

/** The largest DNS message a TCP or HTTP answer can carry (its two-byte length prefix). */
export const MAX_STREAM_MESSAGE = 65_535;
/** Plain DNS over UDP without EDNS (RFC 1035 §4.2.1). */
const MAX_UDP_CLASSIC = 512;
/** What muster offers over UDP with EDNS: the DNS Flag Day 2020 size that avoids fragments. */
const EDNS_UDP_SIZE = 1232;

/** Carries the parts of a query muster echoes back. */
export class DnsFormatError extends Error {
  override readonly name = "DnsFormatError";
}

export interface WireAnswer {
  message: Buffer;
  /** The lowest TTL in it (the SOA's for a negative answer): how long HTTP may cache it. */
  ttl: number;
  rcode: number;
}

const OPCODE_MASK = 0x7800;
const RD = packet.RECURSION_DESIRED;

/** A query that does not even decode: FORMERR under its id, when two bytes of it arrived. */
export function formatError(query: Buffer): Buffer | undefined {
  if (query.length < 2) return undefined;
  return packet.encode({
    type: "response",
    id: query.readUInt16BE(0),
    flags: RCODE.FORMERR,
    questions: [],
  });
}

/**
 * One DNS query in, one response out, for every transport: `udp` answers within the size the
 * asker offered (512 bytes, or its EDNS size up to 1232) and sets TC when the answer does not
 * fit, so the resolver asks again over TCP; `stream` (TCP, DoH) carries up to 64 KiB, dropping
 * glue first and then answers, with TC, only past that. Throws DnsFormatError for a message
 * that is not a query, and the store's errors as they are.
 */
export async function respond(
  query: Buffer,
  source: DnsSource,
  options: ZoneOptions,
  transport: "udp" | "stream",
): Promise<WireAnswer> {
  let decoded: packet.DecodedPacket;
  try {
    decoded = packet.decode(query);
  } catch (err) {
    throw new DnsFormatError(`not a DNS message: ${(err as Error).message}`);
  }
  if (decoded.type !== "query") throw new DnsFormatError("not a DNS query");
  const opt = decoded.additionals?.find((a) => a.type === "OPT") as packet.OptAnswer | undefined;
  const base = {
    type: "response" as const,
    id: decoded.id ?? 0,
    questions: decoded.questions ?? [],
  };
  const ednsOpt: packet.Answer[] = opt
    ? [
        {
          type: "OPT",
          name: ".",
          udpPayloadSize: EDNS_UDP_SIZE,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ]
    : [];
  const flags = (rcode: number, truncated = false) =>
    packet.AUTHORITATIVE_ANSWER |
    ((decoded.flags ?? 0) & (RD | OPCODE_MASK)) |
    (truncated ? packet.TRUNCATED_RESPONSE : 0) |
    rcode;
  const bare = (rcode: number): WireAnswer => ({
    message: packet.encode({ ...base, flags: flags(rcode), additionals: ednsOpt }),
    ttl: 0,
    rcode,
  });

  if (((decoded.flags ?? 0) & OPCODE_MASK) !== 0) return bare(RCODE.NOTIMP);
  const [question, ...more] = decoded.questions ?? [];
  if (!question || more.length > 0) return bare(RCODE.FORMERR);

  const result = await answerQuestion(question, source, options);
  const ttl = Math.min(options.ttl, ...[...result.answers, ...result.authorities].map(ttlOf));
  const limit =
    transport === "stream"
      ? MAX_STREAM_MESSAGE
      : opt
        ? Math.max(MAX_UDP_CLASSIC, Math.min(opt.udpPayloadSize, EDNS_UDP_SIZE))
        : MAX_UDP_CLASSIC;
  const full: packet.Packet = {
    ...base,
    flags: flags(result.rcode),
    answers: result.answers,
    authorities: result.authorities,
    additionals: [...result.additionals, ...ednsOpt],
  };
  if (packet.encodingLength(full) <= limit)
    return { message: packet.encode(full), ttl, rcode: result.rcode };
  const noGlue: packet.Packet = { ...full, additionals: ednsOpt };
  if (transport === "udp" || packet.encodingLength(noGlue) > limit) {
    // UDP: an empty truncated answer, the resolver retries over TCP for all of it. A stream
    // whose answer passes 64 KiB: as many records as fit, flagged truncated.
    const answers = transport === "udp" ? [] : fitting(noGlue, limit);
    const truncated: packet.Packet = {
      ...noGlue,
      flags: flags(result.rcode, true),
      answers,
      authorities: [],
    };
    return { message: packet.encode(truncated), ttl, rcode: result.rcode };
  }
  return { message: packet.encode(noGlue), ttl, rcode: result.rcode };
}

function ttlOf(record: packet.Answer): number {
  return "ttl" in record && typeof record.ttl === "number" ? record.ttl : 0;
}

/** The longest prefix of the answers that encodes within the limit (binary search). */
function fitting(message: packet.Packet, limit: number): packet.Answer[] {
  const all = message.answers ?? [];
  let low = 0;
  let high = all.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const size = packet.encodingLength({ ...message, answers: all.slice(0, mid), authorities: [] });
    if (size <= limit) low = mid;
    else high = mid - 1;
  }
  return all.slice(0, low);
}

/** SERVFAIL for a query the registry could not answer (its store down); undefined if unreadable. */
export function serverFailure(query: Buffer): Buffer | undefined {
  try {
    const decoded = packet.decode(query);
    return packet.encode({
      type: "response",
      id: decoded.id ?? 0,
      flags: ((decoded.flags ?? 0) & RD) | RCODE.SERVFAIL,
      questions: decoded.questions ?? [],
    });
  } catch {
    return formatError(query);
  }
}
