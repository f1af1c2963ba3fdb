import { base32nopad } from "@scure/base";
import type { Instance } from "./instance.js";
import { irohKey } from "./iroh-node-id.js";

/**
 * An Iroh node id as iroh's `NodeId::from_str` reads it in base32: RFC 4648 base32 without
 * padding, lower case, 52 characters (iroh-base's `data_encoding::BASE32_NOPAD`, upper-cased
 * before decoding, so either case parses). The only spelling of a NodeId that fits in a DNS
 * label (hex is 64 characters, a label at most 63), so it names Blixard nodes in DNS and in
 * Cloud Map, where Blixard's DNS discovery parses the first label of an SRV target.
 */
export function irohBase32(key: Uint8Array): string {
  return base32nopad.encode(key).toLowerCase();
}

/** What `irohBase32` spells: 52 of a-z and 2-7 (32 bytes, 256 bits, in 5-bit characters). */
export const IROH_BASE32 = /^[a-z2-7]{52}$/;

/** The base32 NodeId of an instance with a valid `iroh_node_id`, else undefined. */
export function irohLabel(instance: Pick<Instance, "iroh_node_id">): string | undefined {
  const key = irohKey(instance.iroh_node_id);
  return key ? irohBase32(key) : undefined;
}
