import type { Context } from "hono";
import type { ChangeFeed } from "../store/change-feed.js";
import { answerResponse, type BodySigner, matches } from "./cacheable.js";
import { ApiError } from "./errors.js";
import type { RenderedAnswer } from "./rendered-answer.js";
import type { WaitingReads } from "./waiting-reads.js";

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
  /**
   * Where the held reads wait (made with the same feed and poll); the app makes its own when
   * absent. Given by whoever wants to count them (the tests).
   */
  waits?: WaitingReads;
}

/** Local mode: five minutes, woken by the in-process feed. */
export const LOCAL_MAX_WAIT_SECONDS = 300;

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
  /**
   * What the answer depends on besides the service's content (the format, the filters):
   * waiting reads of one key share each rendering (waiting-reads.ts).
   */
  key: string;
  /** Seconds from `waitParam`; undefined answers at once. */
  waitSeconds: number | undefined;
  blocking: BlockingReads | undefined;
  /** The held reads of this app; present when `blocking` is. */
  waits: WaitingReads | undefined;
  render: () => Promise<RenderedAnswer>;
  /** Asked only for a 200. */
  signer: () => Promise<BodySigner | undefined>;
}

/**
 * Answers a list read. With a wait and an If-None-Match, holds the request until what it
 * would serve has another ETag (200), or the wait ends (304). Held reads of the same answer
 * wait together: each write to the service (a hint, never the change itself), lease end or
 * poll renders once for all of them, and answers those whose ETag it no longer matches.
 */
export async function blockingAnswer(c: Context, a: BlockingAnswer): Promise<Response> {
  const ifNoneMatch = c.req.header("if-none-match");
  const waits = a.waits;
  if (!a.waitSeconds || !ifNoneMatch || !a.blocking || !waits) {
    const r = await a.render();
    return answerResponse(c, r, await a.signer());
  }
  // Read before rendering: a write from here on makes the group render again once joined.
  const version = a.blocking.feed?.version(a.service);
  const current = await a.render();
  if (!matches(ifNoneMatch, current.etag)) {
    return answerResponse(c, current, await a.signer());
  }
  const changed = await waits.wait({
    key: a.key,
    service: a.service,
    ifNoneMatch,
    current,
    version,
    waitMs: a.waitSeconds * 1000,
    signal: c.req.raw.signal,
    render: a.render,
  });
  // Unchanged until the wait ended: 304 with the ETag the reader has.
  if (!changed) return answerResponse(c, current);
  return answerResponse(c, changed, await a.signer());
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
