import type { RequestSigner } from "../aws/sigv4.js";
import { Backoff } from "../client/backoff.js";
import { RegistryError, send } from "../client/http.js";
import { type TokenSource, withAuth } from "../client/request-auth.js";
import type { Logger } from "../log.js";
import { delay } from "../sleep.js";

export interface WatchLoopOptions {
  /** Full URL of the read, filters included, no `wait`. */
  url: string;
  /**
   * Puts one answer where it goes (files, a ConfigMap), only what changed; returns what it
   * changed (empty: nothing), for the log and `onWrite`.
   */
  write: (body: string) => Promise<string[]>;
  /** What is kept while the registry or the write fails: "files left as they are". */
  kept: string;
  token?: TokenSource;
  /** `--aws-iam`: each read signed with the node's AWS role. */
  signer?: RequestSigner;
  /** Seconds a blocking read is held; 0 polls. */
  waitSeconds: number;
  /** Between polls when the registry does not hold reads. */
  intervalMs: number;
  timeoutMs: number;
  /** After each answer that changed something. */
  onWrite: (written: string[]) => void;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Keeps the files (or the ConfigMap) current until the signal: a blocking read (`?wait=`) with
 * the last ETag, or, where the registry refuses those, a conditional GET every interval. A
 * failure of any kind (the registry's, or the write's) backs off up to 30 s and leaves what was
 * written as it was; an answer whose write failed is fetched and written again.
 */
/** A write that failed after the registry answered: the same backoff, its own messages. */
class WriteFailed extends Error {}

export async function watchLoop(o: WatchLoopOptions): Promise<void> {
  let etag: string | undefined;
  let blocking = o.waitSeconds > 0;
  /** What failed last, until an answer is read and written again. */
  let down: "registry" | "write" | undefined;
  const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  while (!o.signal.aborted) {
    const waiting = blocking && etag !== undefined;
    try {
      const url = waiting
        ? `${o.url}${o.url.includes("?") ? "&" : "?"}wait=${o.waitSeconds}`
        : o.url;
      const headers = await withAuth(
        { token: o.token, signer: o.signer },
        { method: "GET", url, headers: etag ? { "If-None-Match": etag } : {} },
      );
      const answer = await send(url, {
        headers,
        timeoutMs: o.timeoutMs + (waiting ? o.waitSeconds * 1000 : 0),
        signal: o.signal,
      });
      if (down === "registry") o.log.info("registry reachable again");
      if (answer.status === 200) {
        const written = await o.write(answer.text).catch((err: unknown) => {
          throw new WriteFailed(err instanceof Error ? err.message : String(err));
        });
        etag = answer.headers.get("etag") ?? undefined;
        if (written.length > 0) {
          o.log.info(`wrote ${written.join(", ")}`);
          o.onWrite(written);
        }
      }
      down = undefined;
      backoff.reset();
      if (!blocking) await delay(o.intervalMs, o.signal);
    } catch (err) {
      if (o.signal.aborted) break;
      if (err instanceof RegistryError && err.code === "wait_unsupported") {
        o.log.info(`the registry does not hold reads open: polling every ${o.intervalMs / 1000}s`);
        blocking = false;
        continue;
      }
      const failed = err instanceof WriteFailed ? "write" : "registry";
      const waitMs = backoff.next();
      // Once per outage, and again when what fails changes.
      if (down !== failed) {
        o.log.warn(
          `${err instanceof Error ? err.message : String(err)}; ${o.kept}, ` +
            `retrying in ${Math.round(waitMs / 100) / 10}s`,
        );
      }
      down = failed;
      await delay(waitMs, o.signal);
    }
  }
}
