import { createHash, type KeyObject, randomBytes } from "node:crypto";
import { isoSeconds } from "../model/instance.js";
import * as z from "../validation/zod.js";
import { formatSignatureHeader } from "./header.js";
import { keyId, type PublicJwk, privateKeyFromSeed, publicJwk, signBody } from "./signature.js";

/**
 * The registry's signing key set, as kept in Secrets Manager (AWS) or `signing-keys.json` in
 * the data folder (local mode):
 *
 *   {"version":1,"keys":[{"seed":"<base64url>","state":"active","created_at":"…"},
 *                        {"seed":"…","state":"retired","created_at":"…","not_after":"…"}]}
 *
 * One `active` key signs; a `next` key is published ahead of its activation (so that pinned
 * verifiers can be given it first); `retired` keys stay published until `not_after`, so that
 * files signed before a rotation and still held by caches keep verifying for the grace period.
 *
 * Also read: `{"generated":"<random string>"}`, what CloudFormation's generated secret holds
 * before the first rotation. Its one active key is derived from that string, so the stack
 * needs no custom resource and the function no right to write the secret.
 */
export const KEY_STATES = ["next", "active", "retired"] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** Bounds the set: rotations prune retired keys past their grace period. */
export const MAX_KEYS = 16;
export const DEFAULT_GRACE_SECONDS = 7 * 24 * 3600;

const seed = z.string().check(
  z.regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url 32-byte seed"),
  z.refine((s) => Buffer.from(s, "base64url").length === 32, "must be a base64url 32-byte seed"),
);
const iso = z.iso.datetime({ offset: true });

const storedKey = z.strictObject({
  seed,
  state: z.enum(KEY_STATES),
  created_at: iso,
  not_after: z.optional(iso),
});
export type StoredKey = z.infer<typeof storedKey>;

const storedSet = z
  .strictObject({
    version: z.literal(1),
    keys: z.array(storedKey).check(z.minLength(1), z.maxLength(MAX_KEYS)),
  })
  .check(
    z.refine((s) => s.keys.filter((k) => k.state === "active").length === 1, {
      message: "must hold exactly one active key",
    }),
    z.refine((s) => s.keys.filter((k) => k.state === "next").length <= 1, {
      message: "may hold at most one next key",
    }),
    z.refine((s) => s.keys.every((k) => (k.state === "retired") === (k.not_after !== undefined)), {
      message: "retired keys, and only they, carry not_after",
    }),
  );
export type StoredKeySet = z.infer<typeof storedSet>;

const generated = z.strictObject({
  generated: z.string().check(z.minLength(32), z.maxLength(4096)),
});

/** A key as the well-known document lists it. */
export interface PublishedKey extends PublicJwk {
  kid: string;
  use: "sig";
  alg: "EdDSA";
  status: KeyState;
  /** Retired keys: the end of the grace period, after which nothing they signed is valid. */
  not_after?: string;
}

export interface KeysDocument {
  keys: PublishedKey[];
}

export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
}

interface LoadedKey {
  kid: string;
  state: KeyState;
  notAfterMs: number | undefined;
  jwk: PublicJwk;
  privateKey: KeyObject;
}

/** A parsed, usable key set. The seeds stay inside: only public keys and signatures leave. */
export class SigningKeys {
  readonly #keys: LoadedKey[];
  readonly #active: LoadedKey;

  private constructor(keys: LoadedKey[]) {
    this.#keys = keys;
    const active = keys.find((k) => k.state === "active");
    if (!active) throw new SigningKeyError("the key set has no active key");
    this.#active = active;
  }

  /** Reads the stored form (or the generated bootstrap form); never quotes the text in errors. */
  static parse(text: string): SigningKeys {
    return new SigningKeys(readStored(text).keys.map(load));
  }

  get activeKeyId(): string {
    return this.#active.kid;
  }

  /** The header value for a body: signed by the active key. */
  signatureHeader(body: string | Uint8Array): string {
    return formatSignatureHeader({
      keyid: this.#active.kid,
      sig: signBody(body, this.#active.privateKey),
    });
  }

  /** What `/.well-known/muster-keys.json` serves: every key not past its grace period. */
  document(nowMs: number): KeysDocument {
    return {
      keys: this.#keys
        .filter((k) => k.notAfterMs === undefined || k.notAfterMs > nowMs)
        .map((k) => ({
          kid: k.kid,
          ...k.jwk,
          use: "sig",
          alg: "EdDSA",
          status: k.state,
          ...(k.notAfterMs !== undefined ? { not_after: isoSeconds(k.notAfterMs) } : {}),
        })),
    };
  }
}

function load(k: StoredKey): LoadedKey {
  const privateKey = privateKeyFromSeed(Buffer.from(k.seed, "base64url"));
  const jwk = publicJwk(privateKey);
  return {
    kid: keyId(jwk),
    state: k.state,
    notAfterMs: k.not_after === undefined ? undefined : Date.parse(k.not_after),
    jwk,
    privateKey,
  };
}

/** The stored form of a text, the bootstrap form expanded; throws SigningKeyError. */
export function readStored(text: string): StoredKeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SigningKeyError("the signing key set is not JSON");
  }
  const boot = generated.safeParse(json);
  if (boot.success) return fromGenerated(boot.data.generated);
  const parsed = storedSet.safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: a zod issue never carries the input value here, but say so.
    const why = parsed.error.issues.map((i) => `${i.path.join(".") || "(set)"}: ${i.message}`);
    throw new SigningKeyError(`invalid signing key set: ${why.slice(0, 3).join("; ")}`);
  }
  return parsed.data;
}

function fromGenerated(text: string): StoredKeySet {
  // A domain-separated hash: the secret string is random; the seed is its digest.
  const derived = createHash("sha256").update("muster-signing-seed-v1\0").update(text).digest();
  return {
    version: 1,
    keys: [{ seed: derived.toString("base64url"), state: "active", created_at: isoSeconds(0) }],
  };
}

function newKey(state: KeyState, nowMs: number): StoredKey {
  return { seed: randomBytes(32).toString("base64url"), state, created_at: isoSeconds(nowMs) };
}

/** A fresh set: one active key. */
export function newKeySet(nowMs: number): StoredKeySet {
  return { version: 1, keys: [newKey("active", nowMs)] };
}

function pruned(keys: StoredKey[], nowMs: number): StoredKey[] {
  return keys.filter((k) => k.not_after === undefined || Date.parse(k.not_after) > nowMs);
}

/** Adds a `next` key (published, not yet signing), unless there is one already. */
export function prepareNext(set: StoredKeySet, nowMs: number): StoredKeySet {
  const keys = pruned(set.keys, nowMs);
  if (keys.some((k) => k.state === "next")) return { version: 1, keys };
  if (keys.length >= MAX_KEYS) throw new SigningKeyError(`a key set holds at most ${MAX_KEYS}`);
  return { version: 1, keys: [...keys, newKey("next", nowMs)] };
}

/**
 * The `next` key (or a new one) becomes active; the active key is retired, valid until
 * now + grace. Retired keys past their grace period are dropped.
 */
export function rotate(set: StoredKeySet, nowMs: number, graceSeconds: number): StoredKeySet {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0) {
    throw new SigningKeyError("the grace period is a whole number of seconds");
  }
  const notAfter = isoSeconds(nowMs + graceSeconds * 1000);
  let keys = pruned(set.keys, nowMs).map(
    (k): StoredKey => (k.state === "active" ? { ...k, state: "retired", not_after: notAfter } : k),
  );
  if (!keys.some((k) => k.state === "next")) keys.push(newKey("next", nowMs));
  keys = keys.map((k) => (k.state === "next" ? { ...k, state: "active" } : k));
  if (keys.length > MAX_KEYS) throw new SigningKeyError(`a key set holds at most ${MAX_KEYS}`);
  return { version: 1, keys };
}

/** The stored form as text (what goes into the file or the secret). */
export function serializeKeySet(set: StoredKeySet): string {
  return `${JSON.stringify(set, null, 2)}\n`;
}
