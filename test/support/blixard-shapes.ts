import { z } from "zod";

/**
 * Blixard's structs as strict schemas, field for field what serde reads (BrittonR/blixard):
 * a `u64` is a non-negative integer (JSON numbers past 2^53 lose precision in JavaScript, so
 * muster stays below), `String` never null, `Option<String>` string or null, `SystemTime`
 * serde's `{secs_since_epoch, nanos_since_epoch}`. Strict objects: muster serves nothing else.
 */
const u64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const u32 = z.number().int().min(0).max(0xffff_ffff);

export const systemTime = z.strictObject({
  secs_since_epoch: u64,
  nanos_since_epoch: u32.max(999_999_999),
});

/** Standard base64 of a 32-byte key, as `base64::decode` then `NodeId::from_bytes` need. */
const base64Key = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/)
  .refine((v) => Buffer.from(v, "base64").length === 32);

/** A socket address as `SocketAddr::from_str` reads it (the subset muster writes). */
const socketAddr = z.string().regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/);

/** `blixard/src/discovery_manager.rs` `DiscoveredPeer`. */
export const discoveredPeer = z.strictObject({
  node_id: u64,
  iroh_node_id: base64Key,
  direct_addresses: z.array(socketAddr),
  relay_url: z.string().nullable(),
  source: z.string(),
  discovered_at: systemTime,
});

/** `blixard/src/node_discovery.rs` `NodeRegistryEntry`. */
export const nodeRegistryEntry = z.strictObject({
  cluster_node_id: u64,
  iroh_node_id: base64Key,
  direct_addresses: z.array(socketAddr),
  relay_url: z.string().nullable(),
  address: z.string(),
});

/** `blixard-core/src/iroh_types/p2p.rs` `BootstrapInfo`; `p2p_node_id` as `NodeId::from_str` reads it. */
export const bootstrapInfo = z.strictObject({
  node_id: u64,
  p2p_node_id: z.string().regex(/^[0-9a-f]{64}$/),
  p2p_addresses: z.array(socketAddr),
  p2p_relay_url: z.string().nullable(),
});

/**
 * The URL `blixard node --join-address <join>` GETs (`build_bootstrap_url` in
 * blixard-core/src/node/cluster.rs): the URL itself when it ends in `/bootstrap`, else the URL
 * with trailing `/` trimmed plus `/bootstrap`. It sends no Authorization header.
 */
export function blixardBootstrapUrl(join: string): string {
  if (join.endsWith("/bootstrap")) return join;
  return `${join.replace(/\/+$/, "")}/bootstrap`;
}
