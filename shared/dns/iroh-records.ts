import type { Answer } from "dns-packet";
import { dialAddresses } from "../formats/blixard.js";
import type { Instance } from "../model/instance.js";
import { irohLabel } from "../model/iroh-base32.js";
import { normalizeZone } from "./names.js";

/** One TXT character-string is at most 255 bytes (RFC 1035 §3.3). */
const MAX_CHARACTER_STRING = 255;

/** `_iroh._tcp.<zone>`: Blixard's Iroh discovery domain, answered for one mapped service. */
export const IROH_SRV_SERVICE = "iroh";

/**
 * The name of an instance with an Iroh node id: `<base32 NodeId>.<service>.<zone>`, whose
 * first label Blixard's DNS discovery parses as the node's `NodeId`. Undefined for an instance
 * without a valid `iroh_node_id`, which keeps its `<id>.<service>.<zone>` name.
 */
export function irohOwner(instance: Instance, zone: string): string | undefined {
  const label = irohLabel(instance);
  return label ? `${label}.${instance.service}.${normalizeZone(zone)}` : undefined;
}

/**
 * The TXT record Blixard's DNS discovery reads at its domain (`parse_txt_record` in
 * blixard-core/src/discovery/dns_discovery.rs): `node=<NodeId> addr=<ip:port> addr=…`, the
 * node's direct addresses (else its address, as the Blixard files offer it). One
 * character-string per node: Blixard parses each string on its own and keeps the last entry
 * for a NodeId, so a node split over two strings would lose the first one's addresses.
 * Addresses that do not fit in the string's 255 bytes are left out (about 7 IPv4 or 3 long
 * IPv6 addresses fit); a node with no socket address has no record.
 */
export function irohTxt(instance: Instance, owner: string, ttl: number): Answer | undefined {
  const label = irohLabel(instance);
  if (!label) return undefined;
  let text = `node=${label}`;
  let count = 0;
  for (const address of dialAddresses(instance)) {
    const next = `${text} addr=${address}`;
    if (Buffer.byteLength(next) > MAX_CHARACTER_STRING) break;
    text = next;
    count++;
  }
  if (count === 0) return undefined;
  return { type: "TXT", name: owner, ttl, data: [Buffer.from(text)] };
}
