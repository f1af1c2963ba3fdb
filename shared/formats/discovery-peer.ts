import type * as z from "../validation/zod.js";
import type { SerdeSystemTime } from "./system-time.js";

/**
 * A peer as `muster-agent join` found it. The shape of Blixard's `DiscoveredPeer`, looser
 * where a source knows less: a peer known only by its address (peers.txt, SRV, a seed) has
 * that address for `node_id` and no Iroh id. Only peers that are Blixard nodes go into
 * `discovery-peers.json`; the others still serve `--format txt`.
 */
export interface DiscoveryPeer {
  node_id: number | string;
  iroh_node_id: string | null;
  direct_addresses: string[];
  relay_url: string | null;
  source: string;
  discovered_at: SerdeSystemTime;
}

/** Where a document was read from, and when, for the peers read from it. */
export interface PeerLocation {
  /** A URL or a path, named in every error. */
  location: string;
  /** `discovered_at` of the peers whose document carries none. */
  at: SerdeSystemTime;
}

/** A peer known only by its address (peers.txt, SRV, a seed). */
export function addressPeer(address: string, at: SerdeSystemTime): DiscoveryPeer {
  return {
    node_id: address,
    iroh_node_id: null,
    direct_addresses: [address],
    relay_url: null,
    source: "static",
    discovered_at: at,
  };
}

/** Parses or throws one message naming the document and every bad field (the first five). */
export function parseAt<T>(schema: z.ZodMiniType<T>, value: unknown, location: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (i) => `${i.path.map(String).join(".") || "(document)"}: ${i.message}`,
  );
  throw new Error(`${location}: ${issues.slice(0, 5).join("; ")}`);
}
