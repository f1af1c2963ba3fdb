import { type Answer, get, Refused } from "./api.js";
import type { Credential } from "./logic/credential.js";
import type { LiveMode } from "./types.js";

/** Never two requests of one follower closer than this, whatever the server answers. */
const MIN_GAP_MS = 250;
/** After a change has been shown, before asking for the next one (bounds the redraws). */
const AFTER_CHANGE_MS = 300;
const MAX_BACKOFF_MS = 30_000;

export interface Follow<T> {
  path: string;
  credential: Credential;
  live: LiveMode;
  /** Each new answer (never a 304). */
  onData(body: T, answer: Answer<T>): void;
  /** A refusal or a failure; `retrying` says whether the follower goes on. */
  onError(error: unknown, retrying: boolean): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Resolves once the page is visible again (polling stops while nobody looks). */
const visible = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (!document.hidden || signal.aborted) return resolve();
    const done = () => {
      document.removeEventListener("visibilitychange", check);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const check = () => {
      if (!document.hidden) done();
    };
    document.addEventListener("visibilitychange", check);
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Keeps reading `path` until stopped: in "wait" mode a blocking read with the ETag held
 * (answered at once on a change, else when the wait ends), in "poll" mode a conditional read
 * every `seconds`. A 4xx other than 429 stops it (the view says why); other failures back off.
 * Returns the function that stops it.
 */
export function follow<T>(f: Follow<T>): () => void {
  const stop = new AbortController();
  const { signal } = stop;
  void (async () => {
    let etag: string | undefined;
    let failures = 0;
    let last = 0;
    while (!signal.aborted) {
      const gap = last + MIN_GAP_MS - Date.now();
      if (gap > 0) await sleep(gap, signal);
      if (f.live.mode === "poll") await visible(signal);
      if (signal.aborted) return;
      last = Date.now();
      let changed = false;
      try {
        const answer = await get<T>(f.path, f.credential, {
          etag,
          wait: f.live.mode === "wait" ? f.live.seconds : undefined,
          signal,
        });
        failures = 0;
        if (answer.body !== undefined) {
          etag = answer.etag;
          changed = true;
          f.onData(answer.body, answer);
        }
      } catch (err) {
        if (signal.aborted) return;
        const fatal = err instanceof Refused && err.status < 500 && err.status !== 429;
        f.onError(err, !fatal);
        if (fatal) return;
        failures++;
        await sleep(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)), signal);
        continue;
      }
      if (f.live.mode === "poll") await sleep(f.live.seconds * 1000, signal);
      else if (changed) await sleep(AFTER_CHANGE_MS, signal);
    }
  })();
  return () => stop.abort();
}
