import type { Instance, Source } from "../model/instance.js";
import { dialAddresses } from "./blixard.js";

/** One entry of Blixard's static discovery file (seed 001, "Static Configuration Files"). */
export interface PeerEntry {
  /** `cluster_node_id` when the node has one, else the instance id. */
  node_id: number | string;
  iroh_node_id: string | null;
  direct_addresses: string[];
  relay_url: string | null;
  source: Source;
  /** When the node first registered. */
  discovered_at: string;
}

/** The file is a bare array, as Blixard loads `{data_dir}/discovery-peers.json`. */
export function toPeersJson(instances: Instance[]): PeerEntry[] {
  return instances.map((i) => ({
    node_id: i.cluster_node_id ?? i.id,
    iroh_node_id: i.iroh_node_id,
    direct_addresses: dialAddresses(i),
    relay_url: i.relay_url,
    source: i.source,
    discovered_at: i.registered_at,
  }));
}
