import { ed25519 } from "@noble/curves/ed25519.js";

/**
 * An Iroh node id as Blixard's files carry it: standard base64 (with padding) of the node's
 * 32-byte Ed25519 public key. Blixard decodes it with `base64::decode` and builds an
 * `iroh::NodeId` from the bytes, which fails unless they are a point on the curve; one bad
 * entry fails the whole discovery file, so muster refuses such ids when they are registered.
 */
export type IrohKeyCheck = { ok: true; key: Uint8Array } | { ok: false; reason: string };

// 32 bytes are 43 base64 characters and one `=`.
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

export function checkIrohNodeId(value: string): IrohKeyCheck {
  if (!BASE64_32.test(value)) {
    return {
      ok: false,
      reason:
        "must be the 32-byte key in standard base64 (with padding), or in hex (64 characters)",
    };
  }
  const key = new Uint8Array(Buffer.from(value, "base64"));
  // Only the canonical spelling: stray low bits in the last character are refused by strict
  // decoders, and two spellings of one key would be two nodes to a dedupe.
  if (Buffer.from(key).toString("base64") !== value) {
    return { ok: false, reason: "is not canonical base64" };
  }
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    // zip215 off: only canonical encodings, a subset of what Iroh's decoder accepts.
    point = ed25519.Point.fromBytes(key, false);
  } catch {
    return { ok: false, reason: "is not an Ed25519 public key (not a point on the curve)" };
  }
  if (point.isSmallOrder()) {
    return { ok: false, reason: "is a small-order point, not a usable Ed25519 public key" };
  }
  return { ok: true, key };
}

// A node repeats its id in every heartbeat, and every Blixard read lists every id again: the
// point decoding is most of a Blixard heartbeat's validation and of a large peers.json's
// rendering, so each id is checked once per process and its verdict remembered. Bounded: past
// the bound the oldest verdict goes first, so a flood of distinct ids costs memory only up to
// it (about 15 MB) and time only for the flood itself. Strings that are not even base64 of 32
// bytes are refused by the pattern alone and never kept.
const CHECKED_MAX = 100_000;
const checked = new Map<string, IrohKeyCheck>();

/** checkIrohNodeId, decided once per distinct id in this process. */
export function checkIrohNodeIdOnce(value: string): IrohKeyCheck {
  const known = checked.get(value);
  if (known !== undefined) return known;
  const check = checkIrohNodeId(value);
  if (check.ok || BASE64_32.test(value)) {
    if (checked.size >= CHECKED_MAX) checked.delete(checked.keys().next().value as string);
    checked.set(value, check);
  }
  return check;
}

/** The key bytes, or undefined when the id is absent or not a valid key. */
export function irohKey(value: string | null): Uint8Array | undefined {
  if (value === null) return undefined;
  const check = checkIrohNodeIdOnce(value);
  return check.ok ? check.key : undefined;
}

/** How many verdicts are kept (the tests check the bound). */
export function checkedIrohIds(): number {
  return checked.size;
}

/** How iroh's `NodeId` prints and parses (`FromStr`): 64 lowercase hex characters. */
export function irohHex(key: Uint8Array): string {
  return Buffer.from(key).toString("hex");
}
