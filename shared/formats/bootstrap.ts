import type { Instance } from "../model/instance.js";
import { irohHex } from "../model/iroh-node-id.js";
import { type BlixardNode, blixardNodes } from "./blixard.js";

/**
 * What `blixard node --join-address URL` fetches from `URL/bootstrap`: its `BootstrapInfo`
 * (blixard-core/src/iroh_types/p2p.rs). `p2p_node_id` goes through iroh's `NodeId::from_str`,
 * so it is the key in lowercase hex, not the base64 of the registry files.
 */
export interface BootstrapInfo {
  node_id: number;
  p2p_node_id: string;
  p2p_addresses: string[];
  p2p_relay_url: string | null;
}

/** Metadata a Blixard node sets to say it is the Raft leader (`raft_role=leader`). */
export const ROLE_KEY = "raft_role";
export const LEADER = "leader";

/**
 * The node a joiner should ask to join: a joiner's request must reach the Raft leader, so a
 * passing node that says it leads; else the passing node with the lowest cluster node id, the
 * one that usually founded the cluster (Blixard's own join code assumes node 1 leads). Ties
 * among several claimed leaders (a stale claim) go to the lowest id too.
 */
export function chooseBootstrap(instances: readonly Instance[]): BlixardNode | undefined {
  const passing = blixardNodes(instances.filter((i) => i.status === "passing")).nodes;
  const byId = (a: BlixardNode, b: BlixardNode) => a.cluster_node_id - b.cluster_node_id;
  const leaders = passing.filter((n) => n.instance.metadata[ROLE_KEY] === LEADER).sort(byId);
  return leaders[0] ?? passing.sort(byId)[0];
}

export function toBootstrapInfo(node: BlixardNode): BootstrapInfo {
  return {
    node_id: node.cluster_node_id,
    p2p_node_id: irohHex(node.key),
    p2p_addresses: node.addresses,
    p2p_relay_url: node.instance.relay_url,
  };
}
