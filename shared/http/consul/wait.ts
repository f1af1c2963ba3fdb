import type { Context } from "hono";
import { ConsulError } from "../../consul/errors.js";
import { blockingIndex, blockingWait } from "../../consul/query-params.js";
import type { Principal } from "../../model/principal.js";
import type { ConsulBlocking } from "./options.js";
import { type Reask, reaskKey } from "./reask.js";

/** Something a blocking query waits on: a service's view, or the catalog of services. */
export interface Indexed {
  index: number;
  /** When it changes with no write (a lease ends, a TTL runs out); null: only by a write. */
  nextEventMs: number | null;
}

export interface BlockingQuery<V extends Indexed> {
  blocking: ConsulBlocking;
  /** Reads it (at the app's clock). */
  read: () => Promise<V>;
  /** Calls `wake` after each write that may change it; returns how to stop. */
  subscribe?: ((wake: () => void) => () => void) | undefined;
  now: () => number;
  principal: Principal | undefined;
  reask?: Reask | undefined;
}

/**
 * Whether the client has gone, without building the web Request the node adapter makes only
 * when asked for (its `signal` would): a thousand held queries each holding one cost tens of
 * megabytes. On Node the response's `close` says it; elsewhere (Lambda) the request's signal.
 */
function departure(c: Context): { gone(): boolean; onGone(fn: () => void): () => void } {
  const outgoing = (c.env as { outgoing?: import("node:http").ServerResponse } | undefined)
    ?.outgoing;
  if (outgoing && typeof outgoing.once === "function") {
    let gone = outgoing.destroyed || outgoing.writableEnded;
    outgoing.once("close", () => {
      gone = true;
    });
    return {
      gone: () => gone,
      onGone: (fn) => {
        outgoing.once("close", fn);
        return () => outgoing.off("close", fn);
      },
    };
  }
  const signal = c.req.raw.signal;
  return {
    gone: () => signal.aborted,
    onGone: (fn) => {
      signal.addEventListener("abort", fn, { once: true });
      return () => signal.removeEventListener("abort", fn);
    },
  };
}

/** `?index` and `?wait` as Consul reads them; their refusals are Consul's 400s. */
export function blockingParams(
  c: Context,
  blocking: ConsulBlocking,
): { index: bigint | undefined; waitMs: number } {
  const index = blockingIndex(c.req.query("index"));
  if (!index.ok) throw new ConsulError(400, index.message);
  const bounds = { defaultMs: blocking.defaultWaitMs, maxMs: blocking.maxWaitMs };
  const wait = blockingWait(c.req.query("wait"), bounds);
  if (!wait.ok) throw new ConsulError(400, wait.message);
  // The jitter never takes a wait past the deployment's bound (Lambda's request time).
  return {
    index: index.value,
    waitMs: Math.min(wait.value, blocking.maxWaitMs + blocking.maxWaitMs / 16),
  };
}

/**
 * Answers a read, holding it while the caller's `?index` is the current one: until the index
 * moves (a write signalled by the feed, a lease ending, a TTL running out, or — without a feed
 * — what the next look at the index finds) or the wait ends, then the current state. An index
 * other than the current one, ahead included (a client that outlived the data), is answered at
 * once. Each wake reads again and compares: a signal is a hint.
 */
export async function blockingRead<V extends Indexed>(c: Context, q: BlockingQuery<V>): Promise<V> {
  const { index, waitMs } = blockingParams(c, q.blocking);
  if (index === undefined || index === 0n || (waitMs <= 0 && !q.reask)) return await q.read();
  let dirty = false;
  let wake: (() => void) | undefined;
  // Subscribed before the first read, so a write landing in between is not lost.
  const unsubscribe = q.subscribe?.(() => {
    dirty = true;
    wake?.();
  });
  const client = departure(c);
  try {
    dirty = false;
    let v = await q.read();
    if (BigInt(v.index) !== index) return v;
    // The caller already has this state: on Lambda, its re-asks are capped (reask.ts).
    await q.reask?.claim(reaskKey(c, q.principal), index, waitMs);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || client.gone()) return v;
      if (!dirty) {
        let sleepMs = left;
        if (v.nextEventMs !== null) {
          // A few ms past the event, so that the next read sees it happened.
          sleepMs = Math.min(sleepMs, Math.max(0, v.nextEventMs - q.now()) + 5);
        }
        if (q.blocking.pollMs) sleepMs = Math.min(sleepMs, q.blocking.pollMs);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            stop();
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, sleepMs);
          const stop = client.onGone(done);
          wake = done;
        });
      }
      dirty = false;
      v = await q.read();
      if (BigInt(v.index) !== index) return v;
    }
  } finally {
    unsubscribe?.();
  }
}
