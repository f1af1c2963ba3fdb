import { z } from "zod";
import type { BootstrapInfo } from "../../shared/formats/bootstrap.js";
import { parsePeersTxt } from "../../shared/formats/peers-txt.js";
import type { NodeRegistryEntry } from "../../shared/formats/registry-json.js";
import { type SerdeSystemTime, serdeSystemTime } from "../../shared/formats/system-time.js";
import { formatHostPort, hostPort, parseHostPort } from "../../shared/model/address.js";

/**
 * A peer as join found it. The shape of Blixard's `DiscoveredPeer`, looser where a source
 * knows less: a peer known only by its address (peers.txt, SRV, a seed) has that address for
 * `node_id` and no Iroh id. Only peers that are Blixard nodes go into `discovery-peers.json`
 * (output.ts); the others still serve `--format txt`.
 */
export interface DiscoveryPeer {
  node_id: number | string;
  iroh_node_id: string | null;
  direct_addresses: string[];
  relay_url: string | null;
  source: string;
  discovered_at: SerdeSystemTime;
}

/** How a fetched document says what it is. */
export type DocumentKind = "json" | "text" | "unknown";

// serde's SystemTime; an older muster wrote RFC 3339, read here as what it meant.
const discoveredAt = z.union([
  z.strictObject({
    secs_since_epoch: z.number().int().min(0),
    nanos_since_epoch: z.number().int().min(0).max(999_999_999),
  }),
  z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), { message: "must be a time" })
    .transform((v) => serdeSystemTime(Date.parse(v))),
]);

const peerEntry = z.object({
  node_id: z.union([z.number().int().min(0), z.string().min(1)]),
  iroh_node_id: z.string().nullable().default(null),
  direct_addresses: z.array(hostPort).max(16),
  relay_url: z.string().nullable().default(null),
  // Blixard replaces `source` with its own on reading, so any string will do.
  source: z.string().catch("static"),
  discovered_at: discoveredAt,
});

// An older muster served `cluster_node_id: null` for nodes that were not Blixard nodes.
const registryFile = z.object({
  cluster_node_id: z.number().int().min(0).nullable().default(null),
  iroh_node_id: z.string().nullable().default(null),
  direct_addresses: z.array(hostPort).max(16).default([]),
  relay_url: z.string().nullable().default(null),
  address: hostPort,
});
/** A `NodeRegistryEntry`, or what an older muster served in its place. */
type RegistryFileIn = z.infer<typeof registryFile>;

export type { NodeRegistryEntry };

export const bootstrapInfo = z.object({
  node_id: z.number().int().min(0),
  p2p_node_id: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters"),
  p2p_addresses: z.array(z.string()).max(16),
  p2p_relay_url: z.string().nullable().default(null),
}) satisfies z.ZodType<BootstrapInfo, unknown>;

const srvAnswer = z.object({
  records: z.array(
    z.object({ target: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  ),
});

/** A peer known only by its address (peers.txt, SRV, a seed). */
export function addressPeer(address: string, at: SerdeSystemTime): DiscoveryPeer {
  return {
    node_id: address,
    iroh_node_id: null,
    direct_addresses: [address],
    relay_url: null,
    source: "static",
    discovered_at: at,
  };
}

/**
 * A node registry file as a peer. It names no instance id, so when it has no
 * `cluster_node_id` the id comes from a muster URL (`…/instances/{id}/registry.json`), or
 * else the node's address, which is at least unique.
 */
export function registryFilePeer(
  file: RegistryFileIn,
  location: string,
  at: SerdeSystemTime,
): DiscoveryPeer {
  const idFromUrl = /\/instances\/([^/]+)\/registry\.json$/.exec(pathOf(location))?.[1];
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

/** A `BootstrapInfo` (a muster join URL) as a peer: its hex key back to the files' base64. */
function bootstrapPeer(info: z.infer<typeof bootstrapInfo>, at: SerdeSystemTime): DiscoveryPeer {
  return {
    node_id: info.node_id,
    iroh_node_id: Buffer.from(info.p2p_node_id, "hex").toString("base64"),
    direct_addresses: info.p2p_addresses,
    relay_url: info.p2p_relay_url,
    source: "static",
    discovered_at: at,
  };
}

/**
 * Reads any document a joining node may be pointed at: a peers.json (bare array), a node
 * registry file (object with `address`), a bootstrap answer (object with `p2p_node_id`), the
 * registry's `/srv` answer (object with `records`), or peers.txt (one host:port a line).
 */
export function parsePeerDocument(
  text: string,
  kind: DocumentKind,
  location: string,
  at: SerdeSystemTime,
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
  if (json === undefined) return peersFromText(text, location, at);
  if (Array.isArray(json)) return parseAt(z.array(peerEntry), json, location);
  if (typeof json === "object" && json !== null && "records" in json) {
    const answer = parseAt(srvAnswer, json, location);
    return answer.records.map((r) =>
      addressPeer(formatHostPort({ host: r.target, port: r.port }), at),
    );
  }
  if (typeof json === "object" && json !== null && "p2p_node_id" in json) {
    return [bootstrapPeer(parseAt(bootstrapInfo, json, location), at)];
  }
  if (typeof json === "object" && json !== null && "address" in json) {
    return [registryFilePeer(parseAt(registryFile, json, location), location, at)];
  }
  throw new Error(
    `${location}: not a peers.json, registry file, bootstrap answer, SRV answer or peers.txt`,
  );
}

function peersFromText(text: string, location: string, at: SerdeSystemTime): DiscoveryPeer[] {
  const lines = parsePeersTxt(text);
  const bad = lines.find((line) => parseHostPort(line) === undefined);
  if (bad !== undefined) throw new Error(`${location}: ${JSON.stringify(bad)} is not host:port`);
  return lines.map((line) => addressPeer(line, at));
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
function parseAt<T>(schema: z.ZodType<T, unknown>, value: unknown, location: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (i) => `${i.path.map(String).join(".") || "(document)"}: ${i.message}`,
  );
  throw new Error(`${location}: ${issues.slice(0, 5).join("; ")}`);
}
