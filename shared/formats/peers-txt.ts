import type { Instance } from "../model/instance.js";

/**
 * One `host:port` a line, as the Stellar operator's peers.txt and Engram's static seeds take
 * it. Ends with a newline so that `cat`, `wc -l` and `while read` all see every line.
 */
export function toPeersTxt(instances: Instance[]): string {
  return instances.map((i) => `${i.address}\n`).join("");
}

/** The inverse, for clients: blank lines and `#` comments are skipped. */
export function parsePeersTxt(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}
