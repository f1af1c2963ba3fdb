/**
 * Iroh prints a node id (`NodeId`'s Display, and Blixard's bootstrap `p2p_node_id`) as 64
 * hex characters; Blixard's registry files carry the same 32 bytes in standard base64. A
 * heartbeat may send either: a hex id is turned into the base64 one here, so what is stored
 * and served is one spelling whichever was sent.
 */
const HEX_32 = /^[0-9a-fA-F]{64}$/;

/** The base64 of a 64-hex-character id; anything else is returned as it is, to be checked. */
export function irohIdFromHex(value: unknown): unknown {
  return typeof value === "string" && HEX_32.test(value)
    ? Buffer.from(value, "hex").toString("base64")
    : value;
}
