import { isIPv4, isIPv6 } from "node:net";
import type { Answer, Question, RecordType } from "dns-packet";
import { parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import { IROH_BASE32, irohLabel } from "../model/iroh-base32.js";
import { IROH_SRV_SERVICE, irohOwner, irohTxt } from "./iroh-records.js";
import { idLabel, instanceOwner, normalizeZone, parseName, type ZoneName } from "./names.js";

/** Response codes muster answers with (RFC 1035 §4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

export interface ZoneOptions {
  /** Names are answered under it, e.g. `muster.internal`. */
  zone: string;
  /** Seconds every record (and a negative answer) may be cached: the edge cache's. */
  ttl: number;
  now: () => number;
  /** MUSTER_DNS_IROH_SERVICE: the service `_iroh._tcp.<zone>` answers for (docs/dns.md). */
  irohService?: string | undefined;
}

/** What answering needs from the registry and from the asker's credentials. */
export interface DnsSource {
  /** May the asker see this service? Plain DNS: public services; DoH: also the token's. */
  mayRead(service: string): boolean;
  /** Live instances of a service, critical ones included (they are left out here). */
  list(service: string): Promise<Instance[]>;
}

export interface QuestionAnswer {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** The zone's SOA: sent with every negative answer so resolvers know how long to cache it. */
export function soaRecord(options: ZoneOptions): Answer {
  const zone = normalizeZone(options.zone);
  return {
    type: "SOA",
    name: zone,
    ttl: options.ttl,
    data: {
      mname: `ns.${zone}`,
      rname: `hostmaster.${zone}`,
      // Seconds since the epoch: instances change all the time, there is no zone version.
      serial: Math.floor(options.now() / 1000) >>> 0,
      refresh: 60,
      retry: 30,
      expire: 600,
      // RFC 2308: the negative-caching TTL.
      minimum: options.ttl,
    },
  };
}

function addressRecord(name: string, host: string, ttl: number): Answer | undefined {
  if (isIPv4(host)) return { type: "A", name, ttl, data: host };
  if (isIPv6(host)) return { type: "AAAA", name, ttl, data: host };
  return undefined;
}

/** Every record a name has, and whether the name exists at all (NODATA vs NXDOMAIN). */
interface NameRecords {
  exists: boolean;
  refused?: boolean;
  records: Answer[];
  additionals: Answer[];
}

const NONE: NameRecords = { exists: false, records: [], additionals: [] };

/** `_iroh._tcp.<zone>` stands for the mapped service's SRV name, when one is mapped. */
function mapped(name: ZoneName, o: ZoneOptions): ZoneName {
  if (name.kind === "srv" && name.service === IROH_SRV_SERVICE && o.irohService) {
    return { kind: "srv", service: o.irohService };
  }
  return name;
}

async function recordsOf(qname: string, source: DnsSource, o: ZoneOptions): Promise<NameRecords> {
  const name = mapped(parseName(qname, o.zone), o);
  const owner = qname.replace(/\.$/, "");
  switch (name.kind) {
    case "outside":
      return { ...NONE, refused: true };
    case "unknown":
      return NONE;
    case "apex":
      return { exists: true, records: [soaRecord(o)], additionals: [] };
    case "tcp":
      return { exists: true, records: [], additionals: [] };
  }
  // Refused whether or not the service exists, so DNS never tells which services there are.
  if (!source.mayRead(name.service)) return { ...NONE, refused: true };
  const all = await source.list(name.service);
  if (all.length === 0) return NONE;
  // Critical instances are left out, as the peer lists leave them out.
  const live = all.filter((i) => i.status !== "critical");

  if (name.kind === "srv") {
    const records: Answer[] = [];
    const additionals: Answer[] = [];
    for (const i of live) {
      const hp = parseHostPort(i.address);
      if (!hp) continue;
      const ip = isIPv4(hp.host) || isIPv6(hp.host);
      // A host name is the target itself: no CNAME in between (RFC 2782 forbids an alias). An
      // Iroh node is named by its NodeId, which Blixard reads from the target's first label.
      const target = ip
        ? (irohOwner(i, o.zone) ?? instanceOwner(i.service, i.id, o.zone))
        : hp.host;
      records.push({
        type: "SRV",
        name: owner,
        ttl: o.ttl,
        data: {
          // As /srv: warning nodes are tried only when no passing one answers.
          priority: i.status === "passing" ? 0 : 1,
          weight: i.weight,
          port: hp.port,
          target,
        },
      });
      const glue = ip ? addressRecord(target, hp.host, o.ttl) : undefined;
      if (glue) additionals.push(glue);
    }
    // Blixard's DNS discovery also reads `node=… addr=…` TXT records at the same name.
    for (const i of live) {
      const txt = irohTxt(i, owner, o.ttl);
      if (txt) records.push(txt);
    }
    return { exists: true, records, additionals };
  }

  if (name.kind === "service") {
    const seen = new Set<string>();
    const records: Answer[] = [];
    for (const i of live) {
      const host = parseHostPort(i.address)?.host;
      if (i.status !== "passing" || !host || seen.has(host)) continue;
      const record = addressRecord(owner, host, o.ttl);
      if (record) {
        seen.add(host);
        records.push(record);
      }
    }
    return { exists: true, records, additionals: [] };
  }

  // A base32 NodeId names its node first (only such a label is looked up as one); an id label
  // that happens to spell one comes after.
  const byNodeId = IROH_BASE32.test(name.label)
    ? live.find((i) => irohLabel(i) === name.label)
    : undefined;
  const instance = byNodeId ?? live.find((i) => idLabel(i.id) === name.label);
  if (!instance) return NONE;
  const host = parseHostPort(instance.address)?.host;
  const record = host ? addressRecord(owner, host, o.ttl) : undefined;
  return { exists: true, records: record ? [record] : [], additionals: [] };
}

/**
 * Answers one question from the registry: the records of the asked type, NODATA (NOERROR,
 * no answer, the SOA in authority) for a name that exists without that type, NXDOMAIN with
 * the SOA for a name that does not, REFUSED outside the zone or for a service the asker may
 * not read. Store failures are thrown for the caller to map (SERVFAIL, or HTTP 503).
 */
export async function answerQuestion(
  question: Question,
  source: DnsSource,
  options: ZoneOptions,
): Promise<QuestionAnswer> {
  const empty = { answers: [], authorities: [], additionals: [] };
  if (question.class !== undefined && question.class !== "IN" && question.class !== "ANY") {
    return { rcode: RCODE.REFUSED, ...empty };
  }
  const found = await recordsOf(question.name, source, options);
  if (found.refused) return { rcode: RCODE.REFUSED, ...empty };
  const wanted = (type: RecordType) =>
    (question.type as string) === "ANY" || question.type === type;
  const answers = found.records.filter((r) => wanted(r.type as RecordType));
  if (answers.length > 0) {
    // Glue is for SRV targets: a TXT answer goes without it.
    const additionals = answers.some((r) => r.type === "SRV") ? found.additionals : [];
    return { rcode: RCODE.NOERROR, answers, authorities: [], additionals };
  }
  return {
    rcode: found.exists ? RCODE.NOERROR : RCODE.NXDOMAIN,
    answers: [],
    authorities: [soaRecord(options)],
    additionals: [],
  };
}
