import type { Instance } from "../model/instance.js";
import { irohHex } from "../model/iroh-node-id.js";
import * as z from "../validation/zod.js";
import { type BlixardNode, blixardNodes } from "./blixard.js";
import { type DiscoveryPeer, parseAt } from "./discovery-peer.js";
import { JSON_TYPE, jsonRendered, NotRenderable, type ServiceFormat } from "./format.js";

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

/**
 * A BootstrapInfo as Blixard reads it: the agent's join reads one into a peer, and
 * `muster-agent bootstrap` checks the registry's answer with it before relaying it.
 */
export const bootstrapInfo = z.object({
  node_id: z.int().check(z.gte(0)),
  p2p_node_id: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters")),
  p2p_addresses: z.array(z.string()).check(z.maxLength(16)),
  p2p_relay_url: z._default(z.nullable(z.string()), null),
}) satisfies z.ZodMiniType<BootstrapInfo, unknown>;

/**
 * Served at `bootstrap`, and behind join URLs (`join/{capability}[/bootstrap]`), which is how
 * a Blixard node with `--join-address` reaches it without a token.
 */
export const bootstrapFormat = {
  scope: "service",
  name: "bootstrap",
  path: "bootstrap",
  contentType: JSON_TYPE,
  hidesCritical: true,
  presign: "join",
  publicByDefault: true,
  render({ service, instances }) {
    const node = chooseBootstrap(instances);
    if (!node) {
      throw new NotRenderable(
        "no_bootstrap_node",
        `service ${service} has no live, passing Blixard node (cluster_node_id and a valid iroh_node_id) to join through`,
      );
    }
    return jsonRendered(toBootstrapInfo(node));
  },
  read: {
    label: "bootstrap answer",
    accepts: (json) => typeof json === "object" && json !== null && "p2p_node_id" in json,
    read(json, { location, at }): DiscoveryPeer[] {
      const info = parseAt(bootstrapInfo, json, location);
      return [
        {
          node_id: info.node_id,
          // Back to the base64 the registry files carry, from the hex iroh spells a NodeId in.
          iroh_node_id: Buffer.from(info.p2p_node_id, "hex").toString("base64"),
          direct_addresses: info.p2p_addresses,
          relay_url: info.p2p_relay_url,
          source: "static",
          discovered_at: at,
        },
      ];
    },
  },
} satisfies ServiceFormat;
