import type { Instance } from "../model/instance.js";
import { dialAddresses } from "./blixard.js";

/** Blixard's node registry file (seed 001, "Node Registry Files"), one node. */
export interface RegistryFile {
  cluster_node_id: number | null;
  iroh_node_id: string | null;
  direct_addresses: string[];
  relay_url: string | null;
  address: string;
}

export function toRegistryFile(instance: Instance): RegistryFile {
  return {
    cluster_node_id: instance.cluster_node_id,
    iroh_node_id: instance.iroh_node_id,
    direct_addresses: dialAddresses(instance),
    relay_url: instance.relay_url,
    address: instance.address,
  };
}
