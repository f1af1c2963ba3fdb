import { parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import { addressPeer } from "./discovery-peer.js";
import { type ServiceFormat, TEXT_TYPE } from "./format.js";

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

export const peersTxtFormat = {
  scope: "service",
  name: "peers.txt",
  path: "peers.txt",
  contentType: TEXT_TYPE,
  hidesCritical: true,
  presign: "query",
  publicByDefault: true,
  render: ({ instances }) => ({ body: toPeersTxt(instances), contentType: TEXT_TYPE }),
  watch: {
    as: "txt",
    files: ["peers.txt"],
    split: (body) => [body],
    help: "peers.txt, one host:port a line (--out-dir: peers.txt)",
  },
  read: {
    label: "peers.txt",
    accepts: "text",
    read(text, { location, at }) {
      const lines = parsePeersTxt(String(text));
      const bad = lines.find((line) => parseHostPort(line) === undefined);
      if (bad !== undefined) {
        throw new Error(`${location}: ${JSON.stringify(bad)} is not host:port`);
      }
      return lines.map((line) => addressPeer(line, at));
    },
  },
} satisfies ServiceFormat;
