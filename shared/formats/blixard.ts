import type { Instance } from "../model/instance.js";
import { irohKey } from "../model/iroh-node-id.js";
import { isSocketAddress } from "../model/socket-address.js";

/** An instance as a Blixard node: what every Blixard file muster serves is made from. */
export interface BlixardNode {
  instance: Instance;
  cluster_node_id: number;
  /** The canonical base64 id, as registered. */
  iroh_node_id: string;
  /** The same id's 32 key bytes. */
  key: Uint8Array;
  /** Socket addresses only: Blixard drops anything else it is given. */
  addresses: string[];
}

/**
 * The instance as a Blixard node, or undefined when it is not one: Blixard's structs need
 * a `u64` cluster node id and an Iroh key, and a file with one entry lacking either fails
 * to parse as a whole. Checked again at read time: instances written by an older muster or
 * imported by the reconciler never passed the heartbeat's check.
 */
export function asBlixardNode(instance: Instance): BlixardNode | undefined {
  const key = irohKey(instance.iroh_node_id);
  if (instance.cluster_node_id === null || instance.iroh_node_id === null || !key) return undefined;
  return {
    instance,
    cluster_node_id: instance.cluster_node_id,
    iroh_node_id: instance.iroh_node_id,
    key,
    addresses: dialAddresses(instance),
  };
}

/**
 * Blixard dials `direct_addresses`; a node that reported none may still be reachable at its
 * `address` when that is a socket address, so the files offer it rather than an empty list.
 */
export function dialAddresses(instance: Instance): string[] {
  const direct = instance.direct_addresses.filter(isSocketAddress);
  if (direct.length > 0) return direct;
  return isSocketAddress(instance.address) ? [instance.address] : [];
}

/** Blixard nodes among instances, and how many instances were not ones. */
export function blixardNodes(instances: readonly Instance[]): {
  nodes: BlixardNode[];
  omitted: number;
} {
  const nodes: BlixardNode[] = [];
  for (const instance of instances) {
    const node = asBlixardNode(instance);
    if (node) nodes.push(node);
  }
  return { nodes, omitted: instances.length - nodes.length };
}
