import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DiscoveredPeer } from "../../shared/formats/peers-json.js";
import { checkIrohNodeId } from "../../shared/model/iroh-node-id.js";
import { isSocketAddress } from "../../shared/model/socket-address.js";
import type { DiscoveryPeer } from "./peers.js";

export type PeersFormat = "json" | "txt";

/**
 * The peers Blixard can read as `DiscoveredPeer`: a numeric node id and a valid Iroh key.
 * Blixard refuses the whole file for one entry without, so the others are left out (and
 * counted, for the caller to say so). Addresses that are not socket addresses are dropped,
 * as Blixard would drop them.
 */
export function blixardPeers(peers: readonly DiscoveryPeer[]): {
  peers: DiscoveredPeer[];
  omitted: number;
} {
  const ready: DiscoveredPeer[] = [];
  for (const p of peers) {
    if (typeof p.node_id !== "number" || p.iroh_node_id === null) continue;
    if (!checkIrohNodeId(p.iroh_node_id).ok) continue;
    ready.push({
      node_id: p.node_id,
      iroh_node_id: p.iroh_node_id,
      direct_addresses: p.direct_addresses.filter(isSocketAddress),
      relay_url: p.relay_url,
      source: p.source,
      discovered_at: p.discovered_at,
    });
  }
  return { peers: ready, omitted: peers.length - ready.length };
}

/**
 * `json`: the file Blixard loads as `Vec<DiscoveredPeer>` (its static discovery file), with
 * only the peers it can read. `txt`: one address a line, each peer's first dial address.
 */
export function formatPeers(
  peers: readonly DiscoveryPeer[],
  format: PeersFormat,
): { text: string; written: number; omitted: number } {
  if (format === "txt") {
    const text = peers.map((p) => `${p.direct_addresses[0] ?? p.node_id}\n`).join("");
    return { text, written: peers.length, omitted: 0 };
  }
  const ready = blixardPeers(peers);
  return {
    text: `${JSON.stringify(ready.peers, null, 2)}\n`,
    written: ready.peers.length,
    omitted: ready.omitted,
  };
}

/**
 * Written beside the target, then renamed over it: a node starting at that moment reads the
 * old file or the new one, never half of one.
 */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
