import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stellarFiles, stellarPeers } from "../../shared/formats/stellar.js";
import { writeFileAtomically } from "../join/output.js";

export const WATCH_FORMATS = ["blixard", "stellar", "txt"] as const;
export type WatchFormat = (typeof WATCH_FORMATS)[number];

/** Where the registry serves a format, under /v1/services/{service}. */
export const FORMAT_PATHS: Record<WatchFormat, string> = {
  blixard: "peers.json",
  txt: "peers.txt",
  stellar: "stellar/peers.json",
};

/**
 * The files one answer becomes, by path. Blixard's and the text list are written as served;
 * Stellar's three ConfigMap keys come from one read of peers.json (so they always agree), the
 * other two rendered with the same code the registry serves them with.
 */
export function filesOf(
  format: WatchFormat,
  body: string,
  target: { out?: string; outDir?: string },
): Map<string, string> {
  if (format === "stellar") {
    const dir = target.outDir as string;
    const peers = stellarPeers.parse(JSON.parse(body));
    const files = stellarFiles(peers);
    return new Map([
      [join(dir, "peers.json"), body],
      [join(dir, "peers.txt"), files["peers.txt"]],
      [join(dir, "peer_count"), files.peer_count],
    ]);
  }
  if (format === "blixard") JSON.parse(body); // a truncated answer is refused, not written
  const name = format === "blixard" ? "discovery-peers.json" : "peers.txt";
  return new Map([[target.out ?? join(target.outDir as string, name), body]]);
}

/**
 * Writes each file whose content differs from what is on disk, atomically; returns the paths
 * written. An unchanged file is not touched, so its mtime says when it last really changed.
 */
export async function writeChanged(files: ReadonlyMap<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [path, text] of files) {
    let current: string | undefined;
    try {
      current = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (current === text) continue;
    await writeFileAtomically(path, text);
    written.push(path);
  }
  return written;
}
