import { z } from "zod";
import type { PeerEntry } from "../../shared/formats/peers-json.js";
import { parsePeersTxt } from "../../shared/formats/peers-txt.js";
import type { RegistryFile } from "../../shared/formats/registry-json.js";
import { formatHostPort, hostPort, parseHostPort } from "../../shared/model/address.js";
import { SOURCES } from "../../shared/model/instance.js";

/**
 * An entry of Blixard's `discovery-peers.json`: the registry's `PeerEntry`, whose `source`
 * may also be `static`. Entries the registry served (its peers.json) keep the source it
 * recorded, so the file written is the very list `--join <peers.json URL>` would give Blixard.
 * Entries built here from a registry file, a peers.txt line, an SRV record or a seed have no
 * such provenance: to Blixard they are what its own static files hold, so they say `static`,
 * as seed 001's example does.
 */
export type DiscoveryPeer = Omit<PeerEntry, "source"> & {
  source: PeerEntry["source"] | "static";
};

/** How a fetched document says what it is. */
export type DocumentKind = "json" | "text" | "unknown";

const peerEntry = z.object({
  node_id: z.union([z.number().int().min(0), z.string().min(1)]),
  iroh_node_id: z.string().nullable().default(null),
  direct_addresses: z.array(hostPort).max(16),
  relay_url: z.string().nullable().default(null),
  // A source this agent does not know is still a peer; it is read as what it is, a static entry.
  source: z.enum([...SOURCES, "static"]).catch("static"),
  discovered_at: z.string().min(1),
});

const registryFile = z.object({
  cluster_node_id: z.number().int().min(0).nullable().default(null),
  iroh_node_id: z.string().nullable().default(null),
  direct_addresses: z.array(hostPort).max(16).default([]),
  relay_url: z.string().nullable().default(null),
  address: hostPort,
}) satisfies z.ZodType<RegistryFile, unknown>;

const srvAnswer = z.object({
  records: z.array(
    z.object({ target: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  ),
});

/** A peer known only by its address (peers.txt, SRV, a seed). */
export function addressPeer(address: string, discoveredAt: string): DiscoveryPeer {
  return {
    node_id: address,
    iroh_node_id: null,
    direct_addresses: [address],
    relay_url: null,
    source: "static",
    discovered_at: discoveredAt,
  };
}

/**
 * A node registry file as a peer. It names no instance id, so when it has no
 * `cluster_node_id` the id comes from a muster URL (`…/instances/{id}/registry.json`), or
 * else the node's address, which is at least unique.
 */
export function registryFilePeer(
  file: RegistryFile,
  location: string,
  discoveredAt: string,
): DiscoveryPeer {
  const idFromUrl = /\/instances\/([^/]+)\/registry\.json$/.exec(pathOf(location))?.[1];
  return {
    node_id: file.cluster_node_id ?? (idFromUrl ? decodeURIComponent(idFromUrl) : file.address),
    iroh_node_id: file.iroh_node_id,
    // Blixard dials direct_addresses; the registry's own files fall back to the address too.
    direct_addresses: file.direct_addresses.length > 0 ? file.direct_addresses : [file.address],
    relay_url: file.relay_url,
    source: "static",
    discovered_at: discoveredAt,
  };
}

/**
 * Reads any document a joining node may be pointed at: a peers.json (bare array), a node
 * registry file (object with `address`), the registry's `/srv` answer (object with
 * `records`), or peers.txt (one host:port a line).
 */
export function parsePeerDocument(
  text: string,
  kind: DocumentKind,
  location: string,
  discoveredAt: string,
): DiscoveryPeer[] {
  const trimmed = text.trim();
  // `[::1]:7001` starts like a JSON array: text is JSON only if it parses, unless labelled.
  let json: unknown;
  if (kind !== "text" && (trimmed.startsWith("[") || trimmed.startsWith("{"))) {
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      if (kind === "json") throw new Error(`${location}: not valid JSON (${String(err)})`);
    }
  }
  if (json === undefined) return peersFromText(text, location, discoveredAt);
  if (Array.isArray(json)) return parseAt(z.array(peerEntry), json, location);
  if (typeof json === "object" && json !== null && "records" in json) {
    const answer = parseAt(srvAnswer, json, location);
    return answer.records.map((r) =>
      addressPeer(formatHostPort({ host: r.target, port: r.port }), discoveredAt),
    );
  }
  if (typeof json === "object" && json !== null && "address" in json) {
    return [registryFilePeer(parseAt(registryFile, json, location), location, discoveredAt)];
  }
  throw new Error(`${location}: not a peers.json, registry file, SRV answer or peers.txt`);
}

function peersFromText(text: string, location: string, discoveredAt: string): DiscoveryPeer[] {
  const lines = parsePeersTxt(text);
  const bad = lines.find((line) => parseHostPort(line) === undefined);
  if (bad !== undefined) throw new Error(`${location}: ${JSON.stringify(bad)} is not host:port`);
  return lines.map((line) => addressPeer(line, discoveredAt));
}

/** One entry per node: the first source that named a node wins. */
export function dedupePeers(peers: readonly DiscoveryPeer[]): DiscoveryPeer[] {
  const seen = new Set<string>();
  return peers.filter((p) => {
    const key = String(p.node_id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pathOf(location: string): string {
  try {
    return new URL(location).pathname;
  } catch {
    return location;
  }
}

/** Parses or throws one message naming the document and every bad field. */
function parseAt<T>(schema: z.ZodType<T>, value: unknown, location: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (i) => `${i.path.map(String).join(".") || "(document)"}: ${i.message}`,
  );
  throw new Error(`${location}: ${issues.slice(0, 5).join("; ")}`);
}
