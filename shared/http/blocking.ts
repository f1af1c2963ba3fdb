import type { Context } from "hono";
import type { Rendered } from "../formats/format.js";
import type { ChangeFeed } from "../store/change-feed.js";
import { type BodySigner, cacheableRendered, matches, strongEtag } from "./cacheable.js";
import { ApiError } from "./errors.js";

/**
 * Blocking reads (`?wait=<seconds>` with If-None-Match): where they are served and for how
 * long. Without this option `?wait=` is refused with 400 `wait_unsupported`.
 */
export interface BlockingReads {
  /** The longest wait granted; a longer `?wait=` is cut to it. */
  maxWaitSeconds: number;
  /** Writes made in this process wake a waiting read at once. */
  feed?: ChangeFeed;
  /**
   * Also render again this often: writes made by other processes (other Lambda containers,
   * the reconciler function) signal no feed here. Default: only the feed and lease ends.
   */
  pollMs?: number;
}

/** Local mode: five minutes, woken by the in-process feed. */
export const LOCAL_MAX_WAIT_SECONDS = 300;

/** One rendering of a list read. */
export interface ListRendering extends Rendered {
  /** Epoch ms of the soonest lease end among what was read: an expiry changes the list too. */
  nextExpiryMs?: number;
}

const WAIT_PATTERN = /^\d{1,6}(\.\d{1,3})?$/;

/** `?wait=` in seconds (decimals allowed), or undefined when absent. */
export function waitParam(c: Context, blocking: BlockingReads | undefined): number | undefined {
  const raw = c.req.query("wait");
  if (raw === undefined) return undefined;
  if (!WAIT_PATTERN.test(raw)) {
    throw new ApiError(400, "invalid_input", "invalid wait", [
      { path: "wait", message: "must be a number of seconds, e.g. wait=60" },
    ]);
  }
  if (!blocking || blocking.maxWaitSeconds <= 0) {
    throw new ApiError(
      400,
      "wait_unsupported",
      "this registry does not hold reads open (?wait=); poll with If-None-Match, or subscribe " +
        'to its membership-change events (EventBridge, source "muster")',
      [{ path: "wait", message: "not supported here" }],
    );
  }
  return Math.min(Number(raw), blocking.maxWaitSeconds);
}

export interface BlockingAnswer {
  service: string;
  /** Seconds from `waitParam`; undefined answers at once. */
  waitSeconds: number | undefined;
  blocking: BlockingReads | undefined;
  render: () => Promise<ListRendering>;
  /** Asked only for a 200. */
  signer: () => Promise<BodySigner | undefined>;
  now: () => number;
}

/**
 * Answers a list read. With a wait and an If-None-Match, holds the request until what it
 * would serve has another ETag (200), or the wait ends (304). Each wake (a write signalled
 * by the feed, a lease ending, the poll) renders again and compares: the signal is a hint.
 */
export async function blockingAnswer(c: Context, a: BlockingAnswer): Promise<Response> {
  const ifNoneMatch = c.req.header("if-none-match");
  if (a.waitSeconds === undefined || a.waitSeconds === 0 || !ifNoneMatch || !a.blocking) {
    const r = await a.render();
    return cacheableRendered(c, r, await a.signer());
  }
  const deadline = Date.now() + a.waitSeconds * 1000;
  let dirty = false;
  let wake: (() => void) | undefined;
  // Subscribed before the first render, so a write landing in between is not lost.
  const unsubscribe = a.blocking.feed?.subscribe(a.service, () => {
    dirty = true;
    wake?.();
  });
  const aborted = c.req.raw.signal;
  try {
    for (;;) {
      dirty = false;
      const r = await a.render();
      if (!matches(ifNoneMatch, strongEtag(r.body))) {
        return cacheableRendered(c, r, await a.signer());
      }
      const left = deadline - Date.now();
      if (left <= 0 || aborted.aborted) return cacheableRendered(c, r);
      if (dirty) continue;
      let sleepMs = left;
      if (r.nextExpiryMs !== undefined) {
        // A few ms past the lease end, so the next read no longer counts it live; a lease
        // still listed past its end (a store rounding otherwise) is looked at once a second.
        const untilEnd = r.nextExpiryMs - a.now();
        sleepMs = Math.min(sleepMs, untilEnd > 0 ? untilEnd + 5 : 1000);
      }
      if (a.blocking.pollMs) sleepMs = Math.min(sleepMs, a.blocking.pollMs);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          aborted.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, sleepMs);
        aborted.addEventListener("abort", done, { once: true });
        wake = done;
      });
    }
  } finally {
    unsubscribe?.();
  }
}

/**
 * On Lambda a held read is billed function time, and a write lands in another container, so
 * no feed wakes it: it re-reads the table every second. Off unless MUSTER_MAX_WAIT_SECONDS
 * (1-10, the API settings' `lambdaMaxWaitSeconds`) is set; `?wait=` is then refused with a 400
 * pointing to the events.
 */
export function lambdaBlockingReads(maxWaitSeconds: number): BlockingReads | undefined {
  return maxWaitSeconds > 0 ? { maxWaitSeconds, pollMs: 1000 } : undefined;
}
