import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DiscoveryPeer } from "./peers.js";

export type PeersFormat = "json" | "txt";

/**
 * `json`: the file Blixard loads as `{data_dir}/discovery-peers.json`, laid out as the
 * registry serves peers.json. `txt`: one address a line, each peer's first dial address.
 */
export function formatPeers(peers: readonly DiscoveryPeer[], format: PeersFormat): string {
  if (format === "txt") return peers.map((p) => `${p.direct_addresses[0] ?? p.node_id}\n`).join("");
  return `${JSON.stringify(peers, null, 2)}\n`;
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
