import type { Instance } from "../model/instance.js";
import { asBlixardNode } from "./blixard.js";

/** Blixard's node registry file: its `NodeRegistryEntry` (blixard/src/node_discovery.rs). */
export interface NodeRegistryEntry {
  cluster_node_id: number;
  iroh_node_id: string;
  direct_addresses: string[];
  relay_url: string | null;
  address: string;
}

/** Undefined when the instance is not a Blixard node: no file beats one Blixard cannot read. */
export function toRegistryFile(instance: Instance): NodeRegistryEntry | undefined {
  const node = asBlixardNode(instance);
  if (!node) return undefined;
  return {
    cluster_node_id: node.cluster_node_id,
    iroh_node_id: node.iroh_node_id,
    direct_addresses: node.addresses,
    relay_url: instance.relay_url,
    address: instance.address,
  };
}
