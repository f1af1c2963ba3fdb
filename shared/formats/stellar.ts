import { formatHostPort, parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import * as z from "../validation/zod.js";
import { JSON_TYPE, type ServiceFormat, TEXT_TYPE } from "./format.js";

/**
 * The three keys the Stellar-K8s operator writes into its `stellar-peers` ConfigMap
 * (src/controller/peer_discovery.rs): `peers.json`, `peers.txt`, `peer_count`. A pod that
 * mounts the ConfigMap sees them as three files; muster serves the same bytes.
 */

/** Metadata keys read from an instance, and what is assumed without them. */
export const STELLAR_METADATA = {
  namespace: "namespace",
  /** The Pod's namespace, as the Kubernetes source records it: used when `namespace` is absent. */
  kubernetesNamespace: "k8s_namespace",
  nodeType: "node_type",
  suspended: "suspended",
} as const;
/** The operator falls back to "default" for a node without a namespace. */
export const DEFAULT_NAMESPACE = "default";
/** A node that says nothing is taken for a validator: the only kind the files list. */
export const DEFAULT_NODE_TYPE = "Validator";

/**
 * One entry of peers.json. The operator builds it with serde_json's `json!`, whose map sorts
 * keys (no `preserve_order` feature in its Cargo.toml), so the keys come out in this order.
 */
export const stellarPeer = z.object({
  ip: z.string(),
  name: z.string(),
  namespace: z.string(),
  nodeType: z.string(),
  peerString: z.string(),
  port: z.int().check(z.gte(1), z.lte(65535)),
});
export type StellarPeer = z.infer<typeof stellarPeer>;
export const stellarPeers = z.array(stellarPeer);

/**
 * Validators only, not suspended, passing: what the operator lists (it skips non-validators
 * and suspended nodes, and reloads healthy ones only). Ordered by instance id (the store's
 * order) where the operator's HashSet has none, so that an unchanged set gives the same bytes.
 */
export function toStellarPeers(instances: readonly Instance[]): StellarPeer[] {
  const peers: StellarPeer[] = [];
  for (const i of instances) {
    if (i.status !== "passing") continue;
    const nodeType = i.metadata[STELLAR_METADATA.nodeType] ?? DEFAULT_NODE_TYPE;
    if (nodeType.toLowerCase() !== "validator") continue;
    if (i.metadata[STELLAR_METADATA.suspended]?.toLowerCase() === "true") continue;
    const hp = parseHostPort(i.address);
    if (!hp) continue;
    peers.push({
      ip: hp.host,
      name: i.id,
      namespace:
        i.metadata[STELLAR_METADATA.namespace] ??
        i.metadata[STELLAR_METADATA.kubernetesNamespace] ??
        DEFAULT_NAMESPACE,
      // The operator's Display of NodeType::Validator.
      nodeType: DEFAULT_NODE_TYPE,
      // `ip:port` as the operator formats it; an IPv6 address is bracketed, which the
      // operator (IPv4 cluster IPs only) never needed but a reader of host:port does.
      peerString: formatHostPort(hp),
      port: hp.port,
    });
  }
  return peers;
}

export interface StellarFiles {
  "peers.json": string;
  "peers.txt": string;
  peer_count: string;
}

export const STELLAR_FILE_NAMES = ["peers.json", "peers.txt", "peer_count"] as const;
export type StellarFileName = (typeof STELLAR_FILE_NAMES)[number];

/**
 * The three values byte for byte: `serde_json::to_string_pretty` (two-space indent, no
 * trailing newline, `[]` when empty), the peer strings joined by "\n" (no trailing newline,
 * empty when none), and the count as a decimal string.
 */
export function stellarFiles(peers: readonly StellarPeer[]): StellarFiles {
  return {
    "peers.json": JSON.stringify(peers, null, 2),
    "peers.txt": peers.map((p) => p.peerString).join("\n"),
    peer_count: String(peers.length),
  };
}

export const STELLAR_CONTENT_TYPES: Record<StellarFileName, string> = {
  "peers.json": JSON_TYPE,
  "peers.txt": TEXT_TYPE,
  peer_count: TEXT_TYPE,
};

/**
 * One ConfigMap key as a file of the registry. The files list passing validators whatever
 * `?status=` says, so the parameter is refused rather than silently ignored.
 */
function stellarFormat(name: StellarFileName) {
  return {
    scope: "service",
    name: `stellar/${name}`,
    path: `stellar/${name}`,
    contentType: STELLAR_CONTENT_TYPES[name],
    hidesCritical: true,
    statusRefused: "the Stellar files list passing validators only",
    publicByDefault: true,
    render: ({ instances }) => ({
      body: stellarFiles(toStellarPeers(instances))[name],
      contentType: STELLAR_CONTENT_TYPES[name],
    }),
  } satisfies ServiceFormat;
}

export const stellarFormats = [
  {
    ...stellarFormat("peers.json"),
    watch: {
      as: "stellar",
      files: STELLAR_FILE_NAMES,
      // The other two keys from one read of peers.json, so the three always agree, rendered
      // with the code the registry serves them with.
      split(body) {
        const files = stellarFiles(stellarPeers.parse(JSON.parse(body)));
        return [body, files["peers.txt"], files.peer_count];
      },
      help: "--out-dir only: peers.json, peers.txt and peer_count, the keys the\nStellar operator writes into its stellar-peers ConfigMap",
    },
  },
  stellarFormat("peers.txt"),
  stellarFormat("peer_count"),
] satisfies ServiceFormat[];
