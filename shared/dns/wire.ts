import * as packet from "dns-packet";
import { answerQuestion, type DnsSource, RCODE, type ZoneOptions } from "./answer.js";
import { type Compressed, compressNames } from "./compress.js";
import { bareHeader, firstQuestion, isAnswerable, withQuestion } from "./raw-message.js";

/** The largest DNS message a TCP or HTTP answer can carry (its two-byte length prefix). */
export const MAX_STREAM_MESSAGE = 65_535;
/** Plain DNS over UDP without EDNS (RFC 1035 §4.2.1). */
const MAX_UDP_CLASSIC = 512;
/** What muster offers over UDP with EDNS: the DNS Flag Day 2020 size that avoids fragments. */
const EDNS_UDP_SIZE = 1232;
/**
 * A UDP reply is at most this many times its query's size. A UDP source address is not
 * proven, so a larger reply would make muster an amplifier for floods sent in someone else's
 * name; past it the reply is truncated (TC) and the resolver asks again over TCP, whose
 * handshake proves the address. QUIC bounds a server to the same factor before it has
 * validated an address (RFC 9000 §8).
 */
export const UDP_AMPLIFICATION = 3;

/** A message that is not a query muster can read. */
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

/**
 * A query that does not even decode: FORMERR under its id, the header alone, so never longer
 * than the query. Nothing for a message shorter than a header or one that is a response.
 */
export function formatError(query: Buffer): Buffer | undefined {
  if (!isAnswerable(query)) return undefined;
  return bareHeader(query, packet.AUTHORITATIVE_ANSWER | RCODE.FORMERR);
}

/** The largest reply `transport` may carry for `query`. */
function replyLimit(query: Buffer, transport: "udp" | "stream", opt?: packet.OptAnswer): number {
  if (transport === "stream") return MAX_STREAM_MESSAGE;
  const offered = opt
    ? Math.max(MAX_UDP_CLASSIC, Math.min(opt.udpPayloadSize, EDNS_UDP_SIZE))
    : MAX_UDP_CLASSIC;
  return Math.min(offered, UDP_AMPLIFICATION * query.length);
}

/**
 * One DNS query in, one response out, for every transport: `udp` answers within the size the
 * asker offered (512 bytes, or its EDNS size up to 1232) and within three times the query's
 * own size, setting TC when the answer does not fit, so the resolver asks again over TCP;
 * `stream` (TCP, DoH) carries up to 64 KiB, dropping glue first and then answers, with TC,
 * only past that. The reply carries the first question as its bytes were sent, and only that
 * one. Throws DnsFormatError for a message that is not a query, and the store's errors as
 * they are.
 */
export async function respond(
  query: Buffer,
  source: DnsSource,
  options: ZoneOptions,
  transport: "udp" | "stream",
): Promise<WireAnswer> {
  if (!isAnswerable(query)) throw new DnsFormatError("not a DNS query");
  let decoded: packet.DecodedPacket;
  try {
    decoded = packet.decode(query);
  } catch (err) {
    throw new DnsFormatError(`not a DNS message: ${(err as Error).message}`);
  }
  if (decoded.type !== "query") throw new DnsFormatError("not a DNS query");
  const opt = decoded.additionals?.find((a) => a.type === "OPT") as packet.OptAnswer | undefined;
  const question = firstQuestion(query);
  const base = { type: "response" as const, id: decoded.id ?? 0, questions: [] };
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
  const limit = replyLimit(query, transport, opt);
  const compressed = (p: packet.Packet) => compressNames(withQuestion(packet.encode(p), question));
  const encode = (p: packet.Packet) => compressed(p).message;
  const bare = (rcode: number): WireAnswer => {
    const reply = encode({ ...base, flags: flags(rcode), additionals: ednsOpt });
    // The header alone when even the question does not fit (a UDP query of little else).
    const message = reply.length <= limit ? reply : bareHeader(query, flags(rcode, true));
    return { message, ttl: 0, rcode };
  };

  if (((decoded.flags ?? 0) & OPCODE_MASK) !== 0) return bare(RCODE.NOTIMP);
  const [asked, ...more] = decoded.questions ?? [];
  if (!asked || !question || more.length > 0) return bare(RCODE.FORMERR);

  const result = await answerQuestion(asked, source, options);
  const ttl = Math.min(options.ttl, ...[...result.answers, ...result.authorities].map(ttlOf));
  const full: packet.Packet = {
    ...base,
    flags: flags(result.rcode),
    answers: result.answers,
    authorities: result.authorities,
    additionals: [...result.additionals, ...ednsOpt],
  };
  const whole = compressed(full);
  const answer = (message: Buffer): WireAnswer => ({ message, ttl, rcode: result.rcode });
  if (whole.message.length <= limit) return answer(whole.message);
  // Cut from the whole, whose records are in order: answers, authorities, glue, OPT.
  const records = result.answers.length + result.authorities.length;
  const withOpt = opt !== undefined;
  // Glue is a courtesy: without it the answer is still whole.
  const glueless = cut(whole, { records, fits: limit, opt: withOpt, truncated: false });
  if (glueless && glueless.records === records) return answer(glueless.message);
  // UDP: an empty truncated answer, the resolver retries over TCP for all of it. A stream
  // whose answer passes 64 KiB: as many answers as fit, flagged truncated.
  const kept = cut(whole, {
    records: transport === "udp" ? 0 : result.answers.length,
    fits: limit,
    opt: withOpt,
    truncated: true,
  });
  return kept ? answer(kept.message) : bare(result.rcode);
}

function ttlOf(record: packet.Answer): number {
  return "ttl" in record && typeof record.ttl === "number" ? record.ttl : 0;
}

/**
 * The compressed message cut after at most `records` of its first records, as many as fit
 * within `fits` bytes with its OPT record (its last) put back after them, the counts set and
 * TC set if `truncated`. A prefix of compressed records is the prefix of the compressed
 * whole: no pointer points forwards. Undefined if not even the question fits.
 */
function cut(
  whole: Compressed,
  o: { records: number; fits: number; opt: boolean; truncated: boolean },
): { message: Buffer; records: number } | undefined {
  const ends = whole.recordEnds;
  const optBytes = o.opt
    ? whole.message.subarray(ends.at(-2) ?? whole.questionsEnd)
    : Buffer.alloc(0);
  let kept = 0;
  let end = whole.questionsEnd;
  while (kept < o.records && (ends[kept] as number) + optBytes.length <= o.fits) {
    end = ends[kept] as number;
    kept++;
  }
  if (end + optBytes.length > o.fits) return undefined;
  const message = Buffer.concat([whole.message.subarray(0, end), optBytes]);
  const answers = whole.message.readUInt16BE(6);
  message.writeUInt16BE(Math.min(kept, answers), 6);
  message.writeUInt16BE(Math.max(0, kept - answers), 8);
  message.writeUInt16BE(o.opt ? 1 : 0, 10);
  if (o.truncated) message.writeUInt16BE(message.readUInt16BE(2) | packet.TRUNCATED_RESPONSE, 2);
  return { message, records: kept };
}

/**
 * SERVFAIL for a query the registry could not answer (its store down), with its first
 * question; undefined for a message that gets no answer at all.
 */
export function serverFailure(query: Buffer): Buffer | undefined {
  if (!isAnswerable(query)) return undefined;
  const flags = (query.readUInt16BE(2) & (RD | OPCODE_MASK)) | RCODE.SERVFAIL;
  return withQuestion(bareHeader(query, flags), firstQuestion(query));
}
