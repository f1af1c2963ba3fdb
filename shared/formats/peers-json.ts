import { hostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import * as z from "../validation/zod.js";
import { blixardNodes } from "./blixard.js";
import { type DiscoveryPeer, parseAt } from "./discovery-peer.js";
import { JSON_TYPE, jsonRendered, type ServiceFormat } from "./format.js";
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

/** Where Blixard's documentation says it loads its static discovery file from its data folder. */
export const BLIXARD_PEERS_FILE = "discovery-peers.json";

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

// serde's SystemTime; an older muster wrote RFC 3339, read here as what it meant.
const discoveredAt = z.union([
  z.strictObject({
    secs_since_epoch: z.int().check(z.gte(0)),
    nanos_since_epoch: z.int().check(z.gte(0), z.lte(999_999_999)),
  }),
  z.pipe(
    z.string().check(z.refine((v) => !Number.isNaN(Date.parse(v)), "must be a time")),
    z.transform((v: string) => serdeSystemTime(Date.parse(v))),
  ),
]);

/** An entry of the registry's peers.json, of Blixard's own file, or of an older muster's. */
const peerEntry = z.object({
  node_id: z.union([z.int().check(z.gte(0)), z.string().check(z.minLength(1))]),
  iroh_node_id: z._default(z.nullable(z.string()), null),
  direct_addresses: z.array(hostPort).check(z.maxLength(16)),
  relay_url: z._default(z.nullable(z.string()), null),
  // Blixard replaces `source` with its own on reading, so any string will do, and anything
  // else is "static". Not z.catch: it would add 10 KiB of zod to the Lambda bundle.
  source: z._default(
    z.pipe(
      z.unknown(),
      z.transform((v) => (typeof v === "string" ? v : "static")),
    ),
    "static",
  ),
  discovered_at: discoveredAt,
});

export const peersJsonFormat = {
  scope: "service",
  name: "peers.json",
  path: "peers.json",
  contentType: JSON_TYPE,
  hidesCritical: true,
  presign: "query",
  publicByDefault: true,
  render({ instances }) {
    const { peers, omitted } = toPeersJson(instances);
    // Instances that are not Blixard nodes stay in peers.txt, srv and /instances.
    return { ...jsonRendered(peers, true), headers: { [OMITTED_HEADER]: String(omitted) } };
  },
  watch: {
    as: "blixard",
    files: [BLIXARD_PEERS_FILE],
    split(body) {
      JSON.parse(body); // a truncated answer is refused, not written
      return [body];
    },
    help: `peers.json as Blixard's ${BLIXARD_PEERS_FILE} (--out-dir: that name)`,
  },
  read: {
    label: "peers.json",
    accepts: (json) => Array.isArray(json),
    read: (json, { location }): DiscoveryPeer[] => parseAt(z.array(peerEntry), json, location),
  },
} satisfies ServiceFormat;
