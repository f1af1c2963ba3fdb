import type { AnswerCache } from "../http/answer-cache.js";
import { type Instance, nextChangeMs } from "../model/instance.js";
import { type DnsSource, type ZoneOptions, zoneName } from "./answer.js";
import { respond, type WireAnswer } from "./wire.js";

const HEADER = 12;
const QR = 0x8000;
const OPCODE = 0x7800;
/** Bytes a label of the fast path may hold: names muster serves, nothing needing escapes. */
const PLAIN = /^[A-Za-z0-9_-]+$/;

/**
 * The question name of a plain query (one question, no answers, at most one additional
 * record — the OPT of EDNS — and no compression), or undefined for anything else, which then
 * takes respond()'s whole path uncached.
 */
function plainQueryName(query: Buffer): string | undefined {
  if (query.length < HEADER + 5) return undefined;
  const flags = query.readUInt16BE(2);
  if ((flags & (QR | OPCODE)) !== 0) return undefined;
  if (query.readUInt16BE(4) !== 1 || query.readUInt16BE(6) !== 0 || query.readUInt16BE(8) !== 0)
    return undefined;
  if (query.readUInt16BE(10) > 1) return undefined;
  const labels: string[] = [];
  let offset = HEADER;
  for (;;) {
    const length = query[offset];
    if (length === undefined || length > 63) return undefined;
    offset++;
    if (length === 0) break;
    if (offset + length > query.length) return undefined;
    const label = query.toString("latin1", offset, offset + length);
    if (!PLAIN.test(label)) return undefined;
    labels.push(label);
    offset += length;
    if (offset > HEADER + 255) return undefined;
  }
  return labels.join(".");
}

/** What a plain query names, by its bytes past the id: parsed once, not per query. */
interface Named {
  /** The service it asks about; undefined for the apex, `_tcp`, unknown names, other zones. */
  service: string | undefined;
}

/** Parsed queries kept; bounded (a flood of distinct names starts it over). */
const NAMED_MAX = 4096;

/**
 * respond() behind the answer cache (shared/http/answer-cache.ts): a query that differs from
 * an earlier one only by its id is answered with that one's bytes under its own id, until the
 * service it names changes, a lease in it ends, or the second turns (the SOA's serial counts
 * seconds). The key is the whole query but its id, with the transport and whether the asker
 * may read the service; so whatever respond() makes of a query, the cache makes the same.
 * Anything but a plain query (see plainQueryName) is answered by respond() alone. A kept
 * answer is returned at once, not as a promise: most of a cached query's time was the
 * promises around it.
 */
export class CachedResponder {
  readonly #named = new Map<string, Named | null>();

  /**
   * `cache` is asked on every query: local mode's DNS listens before the store is open, and
   * whether answers may be kept is known only once it is (OpenedStore.inDataDir).
   */
  constructor(readonly cache: () => AnswerCache | undefined) {}

  respond(
    query: Buffer,
    source: DnsSource,
    options: ZoneOptions,
    transport: "udp" | "stream",
  ): WireAnswer | Promise<WireAnswer> {
    const cache = this.cache();
    if (!cache || query.length < HEADER) return respond(query, source, options, transport);
    const raw = query.toString("latin1", 2);
    const named = this.#name(raw, query, options);
    if (named === null) return respond(query, source, options, transport);
    const service = named.service;
    const readable = service === undefined ? "-" : source.mayRead(service) ? "r" : "n";
    const key = `dns\n${transport}\n${readable}\n${raw}`;
    const nowMs = options.now();
    const id = query.readUInt16BE(0);
    const kept = cache.peek<WireAnswer>(service, key, nowMs);
    if (kept) return withId(kept, id);
    return cache
      .get(service, key, nowMs, () => make(query, source, options, transport, nowMs, key))
      .then((made) => withId(made, id));
  }

  #name(raw: string, query: Buffer, options: ZoneOptions): Named | null {
    let named = this.#named.get(raw);
    if (named === undefined) {
      const qname = plainQueryName(query);
      named =
        qname === undefined
          ? null
          : (() => {
              const name = zoneName(qname, options);
              return { service: "service" in name ? name.service : undefined };
            })();
      if (this.#named.size >= NAMED_MAX) this.#named.clear();
      this.#named.set(raw, named);
    }
    return named;
  }
}

/** respond() to a query, with how long its answer holds: the second, or a lease's end. */
async function make(
  query: Buffer,
  source: DnsSource,
  options: ZoneOptions,
  transport: "udp" | "stream",
  nowMs: number,
  key: string,
) {
  let soonestEnd = Number.POSITIVE_INFINITY;
  const watched: DnsSource = {
    mayRead: (s) => source.mayRead(s),
    list: async (s) => {
      const instances: Instance[] = await source.list(s);
      soonestEnd = Math.min(soonestEnd, nextChangeMs(instances, nowMs) ?? soonestEnd);
      return instances;
    },
  };
  const value = await respond(query, watched, options, transport);
  const secondEnds = (Math.floor(nowMs / 1000) + 1) * 1000;
  return {
    value,
    validUntilMs: Math.min(secondEnds, soonestEnd),
    size: value.message.length + key.length + 64,
  };
}

/** A copy under the asker's id: the kept bytes may be on their way to someone else. */
function withId(answer: WireAnswer, id: number): WireAnswer {
  const message = Buffer.from(answer.message);
  message.writeUInt16BE(id, 0);
  return { ...answer, message };
}
