import type { Instance } from "../model/instance.js";
import { blixardNodes } from "./blixard.js";
import { type SerdeSystemTime, serdeSystemTime } from "./system-time.js";

/**
 * One entry of Blixard's static discovery file, field for field its `DiscoveredPeer`
 * (blixard/src/discovery_manager.rs), which serde reads strictly: `node_id` a u64,
 * `iroh_node_id` a string, `discovered_at` a `SystemTime`.
 */
export interface DiscoveredPeer {
  node_id: number;
  iroh_node_id: string;
  direct_addresses: string[];
  relay_url: string | null;
  source: string;
  /** When the node first registered. */
  discovered_at: SerdeSystemTime;
}

/** The response header saying how many live instances were not Blixard nodes. */
export const OMITTED_HEADER = "Muster-Omitted-Instances";

/**
 * The file is a bare array (`Vec<DiscoveredPeer>`). Only Blixard nodes are in it: one entry
 * without a cluster node id or a valid Iroh key would make Blixard refuse the whole file.
 */
export function toPeersJson(instances: Instance[]): {
  peers: DiscoveredPeer[];
  omitted: number;
} {
  const { nodes, omitted } = blixardNodes(instances);
  const peers = nodes.map((n) => ({
    node_id: n.cluster_node_id,
    iroh_node_id: n.iroh_node_id,
    direct_addresses: n.addresses,
    relay_url: n.instance.relay_url,
    source: n.instance.source,
    discovered_at: serdeSystemTime(Date.parse(n.instance.registered_at)),
  }));
  return { peers, omitted };
}
