import { expect } from "vitest";
import { ScopedTokens } from "../../shared/auth/scoped-tokens.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { ChangeLog } from "../../shared/changes/change-log.js";
import { Membership } from "../../shared/changes/membership.js";
import { recordingStore } from "../../shared/changes/recording-store.js";
import { AnswerCache } from "../../shared/http/answer-cache.js";
import { type AppOptions, createApp } from "../../shared/http/app.js";
import { type ConsulBlocking, localConsulBlocking } from "../../shared/http/consul/options.js";
import { WaitingReads } from "../../shared/http/waiting-reads.js";
import { ChangeFeed, notifyingStore } from "../../shared/store/change-feed.js";
import type { Engine } from "../engines/index.js";
import { irohNodeId } from "./iroh-keys.js";
import { freshStorage, type StoreOptions } from "./stores.js";

export const TOKEN_A = "token-a-0123456789abcdef";
export const TOKEN_B = "token-b-0123456789abcdef";

export interface RegistryOptions {
  publicServices?: string[];
  /** The store's write hook and page size (test/support/stores.ts). */
  store?: StoreOptions;
  /** What `/v1/discovery/health` serves; the reconciler's tests pass theirs. */
  discovery?: AppOptions["discovery"];
  /** Presigned URLs, rate limit, caps, flood guard, IAM roles; default: as createApp's defaults. */
  security?: Pick<AppOptions, "presign" | "baseUrl" | "rateLimit" | "caps" | "floodGuard" | "iam">;
  /** Scoped tokens' cache; default 0, so every request reads the table. */
  tokenCacheSeconds?: number;
  /** `?wait=` allowed up to this many seconds, writes signalled through a ChangeFeed. */
  maxWaitSeconds?: number;
  /**
   * Keep renderings until their service changes, as local mode does (AnswerCache, over the
   * ChangeFeed). Only for tests that write through the app alone: `another` store's writes
   * are not heard.
   */
  answers?: boolean;
  /**
   * Consul's API: "local" as local mode holds its blocking queries (woken by the feed), or a
   * Lambda-like blocking made by the test from the feed-less defaults. Default: off.
   */
  consul?: "local" | ((feed: ChangeFeed) => ConsulBlocking);
  /** Records changes as local mode does (shared/changes), on the test's clock. */
  changeLog?: boolean;
  /** Serves the web UI with these built files (ui/build.mjs). */
  ui?: { files: Map<string, Uint8Array>; pollSeconds?: number };
}

/**
 * The app over a fresh table on a real engine, with a clock the test moves: leases expire
 * when the test says so, not after a sleep.
 */
export async function testRegistry(engine: Engine, options: RegistryOptions = {}) {
  const storage = await freshStorage(engine, options.store);
  const clock = { ms: Date.now() };
  const changes = new ChangeFeed();
  const changeLog = options.changeLog ? new ChangeLog() : undefined;
  const members = changeLog && new Membership(changeLog);
  const notifying = notifyingStore(storage.store, changes);
  const store = members ? recordingStore(notifying, members, () => clock.ms) : notifying;
  const scopedTokens = new ScopedTokens({
    table: storage.tokens,
    cacheSeconds: options.tokenCacheSeconds ?? 0,
    now: () => clock.ms,
  });
  // The held reads, made here so that tests can count them.
  const waits = new WaitingReads({ feed: changes, now: () => clock.ms });
  const answers = options.answers ? new AnswerCache({ versions: changes }) : undefined;
  const app = createApp({
    store,
    answers,
    tokens: new TokenSet([TOKEN_A, TOKEN_B]),
    scopedTokens,
    ...options.security,
    publicServices: new Set(options.publicServices ?? []),
    now: () => clock.ms,
    ...(options.discovery ? { discovery: options.discovery } : {}),
    ...(options.maxWaitSeconds
      ? { blockingReads: { maxWaitSeconds: options.maxWaitSeconds, feed: changes, waits } }
      : {}),
    ...(options.consul
      ? {
          consul: {
            datacenter: "dc1",
            blocking:
              options.consul === "local" ? localConsulBlocking(changes) : options.consul(changes),
          },
        }
      : {}),
    changes: changeLog,
    ui: options.ui && {
      assets: async () => options.ui?.files ?? new Map(),
      pollSeconds: options.ui.pollSeconds ?? 10,
    },
  });

  const heartbeat = (service: string, body: unknown, token = TOKEN_A) =>
    app.request(`/v1/services/${service}/heartbeats`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  const get = (
    path: string,
    headers: Record<string, string> = {},
    token: string | null = TOKEN_A,
  ) =>
    app.request(path, {
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    });

  const remove = (service: string, id: string, token = TOKEN_A) =>
    app.request(`/v1/services/${service}/instances/${id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });

  /** Makes a scoped token through the admin endpoint; returns the token and its id. */
  const mint = async (
    body: Record<string, unknown>,
    admin = TOKEN_A,
  ): Promise<{ token: string; id: string }> => {
    const res = await app.request("/v1/admin/tokens", {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`mint: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token: string; id: string };
  };

  return {
    app,
    store,
    changes,
    waits,
    answers,
    changeLog,
    members,
    scopedTokens,
    mint,
    /** What the store was opened with (the table name, the engine's endpoint…). */
    settings: storage.settings,
    /** The same storage through another process's store and token store. */
    another: storage.another,
    engine,
    clock,
    heartbeat,
    get,
    remove,
    /** Moves the clock forward by `seconds`. */
    advance: (seconds: number) => {
      clock.ms += seconds * 1000;
    },
  };
}

export type TestRegistry = Awaited<ReturnType<typeof testRegistry>>;

/** A Blixard node's heartbeat, as docs/blixard.md's walk-through sends it: a real Iroh key. */
export function blixardNode(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: `node-${n}`,
    address: `192.168.1.${10 + n}:7001`,
    cluster_node_id: n,
    iroh_node_id: irohNodeId(n),
    direct_addresses: [`192.168.1.${10 + n}:7001`, `10.0.0.${n}:7001`],
    relay_url: "https://relay.iroh.network",
    ...extra,
  };
}

/**
 * An entry of `GET /v1/services` for heartbeat instances: the counts given, the rest derived
 * (critical = the others; every instance a heartbeat's), and a last change in whole seconds.
 */
export function listed(
  name: string,
  counts: { instances: number; passing: number; warning?: number; public?: boolean },
) {
  const warning = counts.warning ?? 0;
  return {
    name,
    instances: counts.instances,
    passing: counts.passing,
    warning,
    critical: counts.instances - counts.passing - warning,
    sources: { heartbeat: counts.instances },
    public: counts.public ?? false,
    last_change: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  };
}

/** A response's JSON body, untyped: tests assert its exact shape with toEqual. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions that follow are the type check
export const json = (res: Response): Promise<any> => res.json();
