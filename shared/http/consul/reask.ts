import { hash } from "node:crypto";
import type { Context } from "hono";
import { ConsulError } from "../../consul/errors.js";
import type { Principal } from "../../model/principal.js";
import type { RegistryStore } from "../../store/store.js";

/**
 * The cap on what a watcher loop costs where a held query is billed by the second (Lambda):
 * Consul's Go watch plans ask again at once when the index did not move, so an idle watcher
 * would hold a function all month. A watcher asking for a state it already has (its `?index`
 * is the current one) is held (at most the deployment's wait), answered, and then not answered
 * again about that index for `intervalMs`: refused in between with 429 and Retry-After, which
 * the clients back off on (Go's watch plans 5 s, then 20 s…; Prometheus 15 s). A change answers at once as always,
 * and the next question, about the new index, is a new claim. The claim is kept in the store
 * (a watcher's requests land in any container) and, once refused, here too, so a refusal
 * usually costs no store request. `npm run cost` prices the loop this leaves.
 */
export interface Reask {
  /**
   * Claims the next answer about an index that is still current: only then is a watcher
   * refused, so a change is always answered at once (a refusal costs a look at the index).
   */
  claim(key: string, index: bigint, waitMs: number): Promise<void>;
}

export class ReaskCap implements Reask {
  readonly #store: RegistryStore;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #kept = new Map<string, { index: string; until: number }>();
  readonly #max: number;

  constructor(store: RegistryStore, intervalMs: number, now: () => number, maxKept = 10_000) {
    this.#store = store;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#max = maxKept;
  }

  async claim(key: string, index: bigint, waitMs: number): Promise<void> {
    const nowMs = this.#now();
    const idx = index.toString();
    const kept = this.#kept.get(key);
    if (kept && kept.index === idx && kept.until > nowMs) {
      throw tooSoon(kept.until - nowMs, this.#intervalMs);
    }
    // Counted from the end of the hold, so that holding adds to a watcher's time, never eats
    // into its wait: at most one held `waitMs` in every `waitMs + intervalMs`.
    const until = nowMs + waitMs + this.#intervalMs;
    const claimed = await this.#store.claimWatch({ key, index: idx, nowMs, untilMs: until });
    this.#keep(key, { index: idx, until: claimed.ok ? until : nowMs + claimed.retryAfterMs });
    if (!claimed.ok) throw tooSoon(claimed.retryAfterMs, this.#intervalMs);
  }

  #keep(key: string, claim: { index: string; until: number }): void {
    this.#kept.delete(key);
    if (this.#kept.size >= this.#max) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
    this.#kept.set(key, claim);
  }
}

function tooSoon(retryAfterMs: number, intervalMs: number): ConsulError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ConsulError(
    429,
    `Too Many Requests: this watcher was answered about this index less than ` +
      `${Math.ceil(intervalMs / 1000)}s ago, which is as often as this registry answers it; ` +
      `retry in ${seconds}s (docs/consul.md)`,
    { "Retry-After": String(seconds) },
  );
}

/** Where the request came from: the first X-Forwarded-For (CloudFront's), else the peer. */
export function clientAddress(c: Context): string {
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  if (forwarded) return forwarded;
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? "unknown";
}

/**
 * One watcher: the token's fingerprint, where it asks from, and what it asks (the path and
 * the query but its index, wait and token). Watchers that share all three share a claim.
 */
export function reaskKey(c: Context, principal: Principal | undefined): string {
  const url = new URL(c.req.url);
  const query = [...url.searchParams]
    .filter(([k]) => k !== "index" && k !== "wait" && k !== "token")
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("&");
  const who = principal?.fingerprint ?? "anonymous";
  return hash(
    "sha256",
    `${who}\u0000${clientAddress(c)}\u0000${url.pathname}\u0000${query}`,
    "base64url",
  ).slice(0, 32);
}
