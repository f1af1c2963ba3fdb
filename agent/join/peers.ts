import type { DiscoveryPeer } from "../../shared/formats/discovery-peer.js";
import { PEER_READERS } from "../../shared/formats/registry.js";
import type { SerdeSystemTime } from "../../shared/formats/system-time.js";

export { addressPeer, type DiscoveryPeer } from "../../shared/formats/discovery-peer.js";

/** How a fetched document says what it is. */
export type DocumentKind = "json" | "text" | "unknown";

const JSON_READERS = PEER_READERS.filter((r) => r.accepts !== "text");
const TEXT_READER = PEER_READERS.find((r) => r.accepts === "text");

/**
 * Reads any document a joining node may be pointed at: whichever format of the registry's
 * (shared/formats/registry.ts) has a reader that accepts it, JSON ones first by their shape,
 * anything else as text.
 */
export function parsePeerDocument(
  text: string,
  kind: DocumentKind,
  location: string,
  at: SerdeSystemTime,
): DiscoveryPeer[] {
  const trimmed = text.trim();
  // `[::1]:7001` starts like a JSON array: text is JSON only if it parses, unless labelled.
  let json: unknown;
  if (kind !== "text" && (trimmed.startsWith("[") || trimmed.startsWith("{"))) {
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      if (kind === "json") throw new Error(`${location}: not valid JSON (${String(err)})`);
    }
  }
  const reader =
    json === undefined
      ? TEXT_READER
      : JSON_READERS.find((r) => typeof r.accepts === "function" && r.accepts(json));
  if (reader) return reader.read(json ?? text, { location, at });
  const labels = PEER_READERS.map((r) => r.label);
  throw new Error(`${location}: not a ${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`);
}

/** One entry per node: the first source that named a node wins. */
export function dedupePeers(peers: readonly DiscoveryPeer[]): DiscoveryPeer[] {
  const seen = new Set<string>();
  return peers.filter((p) => {
    const key = String(p.node_id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
