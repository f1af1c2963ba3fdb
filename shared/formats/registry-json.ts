import { hostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import * as z from "../validation/zod.js";
import { asBlixardNode } from "./blixard.js";
import { type DiscoveryPeer, parseAt } from "./discovery-peer.js";
import { type InstanceFormat, JSON_TYPE, jsonRendered, NotRenderable } from "./format.js";

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

// An older muster served `cluster_node_id: null` for nodes that were not Blixard nodes.
const registryFile = z.object({
  cluster_node_id: z._default(z.nullable(z.int().check(z.gte(0))), null),
  iroh_node_id: z._default(z.nullable(z.string()), null),
  direct_addresses: z._default(z.array(hostPort).check(z.maxLength(16)), []),
  relay_url: z._default(z.nullable(z.string()), null),
  address: hostPort,
});

const ID_IN_URL = /\/instances\/([^/]+)\/registry\.json$/;

/**
 * A node registry file as a peer. It names no instance id, so when it has no
 * `cluster_node_id` the id comes from a muster URL (`…/instances/{id}/registry.json`), or
 * else the node's address, which is at least unique.
 */
function registryFilePeer(
  file: z.infer<typeof registryFile>,
  location: string,
  at: DiscoveryPeer["discovered_at"],
): DiscoveryPeer {
  const idFromUrl = ID_IN_URL.exec(pathOf(location))?.[1];
  return {
    node_id: file.cluster_node_id ?? (idFromUrl ? decodeURIComponent(idFromUrl) : file.address),
    iroh_node_id: file.iroh_node_id,
    // Blixard dials direct_addresses; the registry's own files fall back to the address too.
    direct_addresses: file.direct_addresses.length > 0 ? file.direct_addresses : [file.address],
    relay_url: file.relay_url,
    source: "static",
    discovered_at: at,
  };
}

function pathOf(location: string): string {
  // Not URL.parse: the agent runs on Node 20, which lacks it.
  try {
    return new URL(location).pathname;
  } catch {
    return location;
  }
}

export const registryJsonFormat = {
  scope: "instance",
  name: "registry.json",
  path: "instances/{id}/registry.json",
  contentType: JSON_TYPE,
  presign: "query",
  publicByDefault: true,
  render(instance) {
    const file = toRegistryFile(instance);
    if (!file) {
      throw new NotRenderable(
        "not_blixard",
        `instance ${instance.id} in service ${instance.service} is not a Blixard node: it has no cluster_node_id or no valid iroh_node_id`,
      );
    }
    return jsonRendered(file, true);
  },
  read: {
    label: "registry file",
    accepts: (json) => typeof json === "object" && json !== null && "address" in json,
    read: (json, { location, at }) => [
      registryFilePeer(parseAt(registryFile, json, location), location, at),
    ],
  },
} satisfies InstanceFormat;
