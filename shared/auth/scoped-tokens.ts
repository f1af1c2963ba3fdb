import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal, Role } from "../model/principal.js";
import type { TokenItem, TokenStore } from "../store/store.js";
import { digest, fingerprint, type TokenVerifier } from "./tokens.js";

/** What a scoped token looks like: only these are looked up, so garbage costs no table read. */
export const SCOPED_TOKEN = /^mst_[A-Za-z0-9_-]{43}$/;

/** The table's key for a token: its own hash domain, so it never equals a fingerprint. */
export function tokenHash(token: string): string {
  return digest("muster-scoped-token-v1", token).toString("hex");
}

/** A token's public id: the first 16 hex digits of its hash (64 bits; shown, never secret). */
export const TOKEN_ID = /^[0-9a-f]{16}$/;
export const idOf = (hash: string): string => hash.slice(0, 16);

/** A token as the admin endpoints show it: no secret, no full hash. */
export interface TokenInfo {
  id: string;
  /** What instances registered with this token show as `registered_by`. */
  fingerprint: string;
  name: string;
  role: Role;
  services: string[];
  /** ISO 8601, or null for a token that never expires. */
  expires_at: string | null;
  created_at: string;
  created_by: string;
}

export interface NewToken {
  name: string;
  role: Role;
  services: string[];
  /** Epoch seconds, or undefined for no expiry. */
  expiresAt?: number;
  createdBy: string;
  nowMs: number;
}

export interface ScopedTokensOptions {
  table: TokenStore;
  /**
   * How long a verified (or refused) token is answered from memory. A heartbeat stays one
   * write with no read while its token is cached; a revocation made through another process
   * (another Lambda container) takes effect here within this time. 0: every request reads.
   */
  cacheSeconds: number;
  /** Epoch milliseconds. */
  now: () => number;
  /** Bound on cached entries, so a flood of made-up tokens cannot grow memory. Default 10,000. */
  maxCacheEntries?: number;
}

interface CacheEntry {
  principal: Principal | undefined;
  /** Epoch ms after which the table is asked again. */
  until: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function toInfo(item: TokenItem): TokenInfo {
  return {
    id: idOf(item.hash),
    fingerprint: item.fingerprint,
    name: item.name,
    role: item.role,
    services: item.services,
    expires_at: item.expires_at === undefined ? null : iso(item.expires_at * 1000),
    created_at: iso(item.created_at),
    created_by: item.created_by,
  };
}

/**
 * Tokens kept in the table: made, listed and revoked by an admin, and verified on requests
 * with a small in-process cache. Only a hash of each token is stored, and a token is shown
 * once, when it is made.
 */
export class ScopedTokens implements TokenVerifier {
  readonly #table: TokenStore;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: ScopedTokensOptions) {
    this.#table = options.table;
    this.#cacheMs = options.cacheSeconds * 1000;
    this.#now = options.now;
    this.#maxEntries = options.maxCacheEntries ?? 10_000;
  }

  /** Unknown without a scan; the middleware's "no token configured" message ignores it. */
  get size(): number {
    return 0;
  }

  async verify(presented: string): Promise<Principal | undefined> {
    if (!SCOPED_TOKEN.test(presented)) return undefined;
    const hash = tokenHash(presented);
    const nowMs = this.#now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > nowMs) return cached.principal;

    const item = await this.#table.get(hash);
    // The key already matched; comparing the stored hash in constant time as well means the
    // decision never rests on the engine's key lookup alone, and leaks nothing through timing.
    const genuine =
      item !== undefined &&
      item.hash.length === hash.length &&
      timingSafeEqual(Buffer.from(item.hash, "hex"), Buffer.from(hash, "hex"));
    const live = genuine && (item.expires_at === undefined || item.expires_at * 1000 > nowMs);
    const principal: Principal | undefined = live
      ? {
          fingerprint: fingerprint(presented),
          role: item.role,
          ...(item.role === "admin" ? {} : { services: item.services }),
          kind: "scoped",
        }
      : undefined;
    if (this.#cacheMs > 0) {
      // Never cache past the token's own expiry: an expired token fails on time.
      const expiry = live && item.expires_at !== undefined ? item.expires_at * 1000 : Infinity;
      this.#remember(hash, { principal, until: Math.min(nowMs + this.#cacheMs, expiry) });
    }
    return principal;
  }

  /** Makes a token: returns it (the only time it exists outside its holder) and its info. */
  async create(input: NewToken): Promise<{ token: string; info: TokenInfo }> {
    const token = `mst_${randomBytes(32).toString("base64url")}`;
    const hash = tokenHash(token);
    const item: TokenItem = {
      hash,
      name: input.name,
      role: input.role,
      services: input.role === "admin" ? [] : input.services,
      fingerprint: fingerprint(token),
      ...(input.expiresAt === undefined ? {} : { expires_at: input.expiresAt }),
      created_at: input.nowMs,
      created_by: input.createdBy,
    };
    await this.#table.put(item);
    this.#cache.delete(hash);
    return { token, info: toInfo(item) };
  }

  /** Live tokens (expired ones are left out: they no longer work), oldest first. */
  async list(nowMs: number): Promise<TokenInfo[]> {
    const items = await this.#table.list();
    return items
      .filter((i) => i.expires_at === undefined || i.expires_at * 1000 > nowMs)
      .sort((a, b) => a.created_at - b.created_at)
      .map(toInfo);
  }

  /**
   * Deletes the token with this id and forgets it here at once; false when there is none.
   * Other processes stop accepting it within their cache time.
   */
  async revoke(id: string): Promise<boolean> {
    const matches = await this.#table.list(id);
    for (const item of matches) await this.#table.remove(item.hash);
    for (const hash of this.#cache.keys()) if (hash.startsWith(id)) this.#cache.delete(hash);
    return matches.length > 0;
  }

  #remember(hash: string, entry: CacheEntry): void {
    this.#cache.delete(hash);
    // Oldest first out when full: a Map iterates in insertion order.
    while (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    this.#cache.set(hash, entry);
  }
}

/**
 * The bootstrap tokens first (memory only: they never cost a table read), then the scoped
 * tokens. Either may be absent.
 */
export class AnyToken implements TokenVerifier {
  constructor(
    readonly bootstrap: TokenVerifier,
    readonly scoped?: TokenVerifier,
  ) {}

  get size(): number {
    return this.bootstrap.size + (this.scoped?.size ?? 0);
  }

  async verify(presented: string): Promise<Principal | undefined> {
    return (await this.bootstrap.verify(presented)) ?? (await this.scoped?.verify(presented));
  }
}
