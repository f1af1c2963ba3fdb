import { ed25519 } from "@noble/curves/ed25519.js";

/**
 * A real Iroh node id for test node `n`: the Ed25519 public key of a fixed secret seed (32
 * bytes of `n`), in the standard base64 Blixard's files carry. Deterministic, so a failing
 * assertion names the same key on every run.
 */
export function irohNodeId(n: number): string {
  return Buffer.from(irohKeyBytes(n)).toString("base64");
}

export function irohKeyBytes(n: number): Uint8Array {
  return ed25519.getPublicKey(new Uint8Array(32).fill(n & 0xff));
}

/** The same key as iroh's `NodeId` prints it: 64 lowercase hex characters. */
export function irohHexId(n: number): string {
  return Buffer.from(irohKeyBytes(n)).toString("hex");
}

/**
 * A real Iroh node id distinct for every `n` below 2^32 (irohNodeId repeats after 256): the
 * Ed25519 public key of a seed holding `n` in its first four bytes. For loads of many nodes,
 * each with a key of its own, as a Blixard cluster has (the bench's).
 */
export function distinctIrohNodeId(n: number): string {
  const seed = new Uint8Array(32).fill(0x5a);
  new DataView(seed.buffer).setUint32(0, n >>> 0);
  return Buffer.from(ed25519.getPublicKey(seed)).toString("base64");
}
