import type { TokenVerifier } from "../../auth/tokens.js";
import type { AliasBook } from "../../consul/aliases.js";
import type { ConsulViews } from "../../consul/views.js";
import type { AppLogger } from "../../logging.js";
import type { ChangeFeed } from "../../store/change-feed.js";
import type { RegistryStore } from "../../store/store.js";
import type { Quotas } from "../quotas.js";
import type { TokenBuckets } from "../rate-limit.js";

/** How a deployment serves Consul's API (the app's `consul` option). */
export interface ConsulOptions {
  /** The datacenter muster answers as (MUSTER_CONSUL_DATACENTER); `?dc=` another is refused. */
  datacenter: string;
  blocking: ConsulBlocking;
}

/**
 * Blocking queries (`?index=&wait=`). Local mode holds them for real, woken by the feed;
 * Lambda holds them at most the deployment's maximum wait, looking at the index every
 * `pollMs`, and answers a watcher re-asking for a state it already has at most every
 * `reaskMs` (429 with Retry-After in between, which the clients back off on: docs/consul.md).
 */
export interface ConsulBlocking {
  /** `?wait=` when none is given, and the most it may be (before jitter). */
  defaultWaitMs: number;
  maxWaitMs: number;
  /** Writes of this process wake a waiting query at once. */
  feed?: ChangeFeed | undefined;
  /** Without a feed: how often a waiting query looks at the service's index. */
  pollMs?: number | undefined;
  /** The least time between two answers to one watcher whose index did not move; 0: no cap. */
  reaskMs?: number | undefined;
}

/** Local mode: Consul's own bounds (5 min by default, 10 at most), woken by the feed. */
export function localConsulBlocking(feed: ChangeFeed): ConsulBlocking {
  return { defaultWaitMs: 5 * 60_000, maxWaitMs: 10 * 60_000, feed };
}

/**
 * Lambda: at most MUSTER_MAX_WAIT_SECONDS (0: answered at once), the index looked at every
 * second, and one unchanged answer per watcher every MUSTER_CONSUL_REASK_SECONDS.
 */
export function lambdaConsulBlocking(maxWaitSeconds: number, reaskSeconds: number): ConsulBlocking {
  return {
    defaultWaitMs: maxWaitSeconds * 1000,
    maxWaitMs: maxWaitSeconds * 1000,
    pollMs: 1000,
    reaskMs: reaskSeconds * 1000,
  };
}

/** What the Consul routes are given by the app. */
export interface ConsulDeps {
  options: ConsulOptions;
  store: RegistryStore;
  views: ConsulViews;
  aliases: AliasBook;
  /** Bootstrap tokens, then scoped ones (AnyToken). */
  tokens: TokenVerifier;
  publicServices: ReadonlySet<string>;
  buckets: TokenBuckets | undefined;
  quotas: Quotas | undefined;
  now: () => number;
  logger: AppLogger;
  onRefusal?: ((code: string, status: number) => void) | undefined;
}
