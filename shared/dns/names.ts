import { createHash } from "node:crypto";
import { DNS_LABEL } from "../model/dns-label.js";
import { SERVICE_NAME } from "../model/names.js";

/** Private-use top-level domain (ICANN reserved `.internal`), so no public name is shadowed. */
export const DEFAULT_DNS_ZONE = "muster.internal";

/** Prefix of a hashed id label; a plain id that starts with it is hashed too, so none collide. */
const HASHED = "h--";
/**
 * The DNS label of an instance id. An id that already is a lower-case host-name label is its own
 * label (`node-1`, `i-0abc`); any other (upper case, `.`, `_`, `:`, over 63 characters, or
 * starting with `h--`) becomes `h--` and the first 32 hex digits of its SHA-256 (128 bits).
 * Lower-casing instead would merge `Node-1` and `node-1`, since DNS names ignore case.
 */
export function idLabel(id: string): string {
  if (DNS_LABEL.test(id) && !id.startsWith(HASHED)) return id;
  return HASHED + createHash("sha256").update(id).digest("hex").slice(0, 32);
}

/** The zone as compared with query names: lower case, no trailing dot. */
export function normalizeZone(zone: string): string {
  return zone.toLowerCase().replace(/\.$/, "");
}

/** What a name under the zone stands for. */
export type ZoneName =
  | { kind: "apex" }
  /** `_tcp.<zone>`: exists (it has names below it) and holds no records. */
  | { kind: "tcp" }
  | { kind: "srv"; service: string }
  | { kind: "service"; service: string }
  | { kind: "instance"; service: string; label: string }
  /** Under the zone, but no name muster could ever have. */
  | { kind: "unknown" }
  /** Not under the zone: muster is not authoritative for it. */
  | { kind: "outside" };

/** Parses a query name (any case, trailing dot or not) against the zone. */
export function parseName(qname: string, zone: string): ZoneName {
  const name = qname.toLowerCase().replace(/\.$/, "");
  const z = normalizeZone(zone);
  if (name === z) return { kind: "apex" };
  if (!name.endsWith(`.${z}`)) return { kind: "outside" };
  const labels = name.slice(0, -(z.length + 1)).split(".");
  const service = (label: string | undefined) =>
    label !== undefined && SERVICE_NAME.test(label) ? label : undefined;
  if (labels.length === 1) {
    if (labels[0] === "_tcp") return { kind: "tcp" };
    const s = service(labels[0]);
    return s ? { kind: "service", service: s } : { kind: "unknown" };
  }
  if (labels.length === 2) {
    const [first, second] = labels as [string, string];
    if (second === "_tcp" && first.startsWith("_")) {
      const s = service(first.slice(1));
      return s ? { kind: "srv", service: s } : { kind: "unknown" };
    }
    const s = service(second);
    return s ? { kind: "instance", service: s, label: first } : { kind: "unknown" };
  }
  return { kind: "unknown" };
}

export const srvOwner = (service: string, zone: string) =>
  `_${service}._tcp.${normalizeZone(zone)}`;
export const serviceOwner = (service: string, zone: string) => `${service}.${normalizeZone(zone)}`;
export const instanceOwner = (service: string, id: string, zone: string) =>
  `${idLabel(id)}.${service}.${normalizeZone(zone)}`;
