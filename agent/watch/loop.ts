import type { WatchFiles } from "../../shared/formats/format.js";
import type { RequestSigner } from "../aws/sigv4.js";
import { Backoff } from "../client/backoff.js";
import { RegistryError, send } from "../client/http.js";
import { type TokenSource, withAuth } from "../client/request-auth.js";
import type { Logger } from "../log.js";
import { delay } from "../sleep.js";
import { filesOf, writeChanged } from "./files.js";

export interface WatchLoopOptions {
  /** Full URL of the read, filters included, no `wait`. */
  url: string;
  watch: WatchFiles;
  target: { out?: string; outDir?: string };
  token?: TokenSource;
  /** `--aws-iam`: each read signed with the node's AWS role. */
  signer?: RequestSigner;
  /** Seconds a blocking read is held; 0 polls. */
  waitSeconds: number;
  /** Between polls when the registry does not hold reads. */
  intervalMs: number;
  timeoutMs: number;
  /** After each answer that changed a file on disk. */
  onWrite: (paths: string[]) => void;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Keeps the files current until the signal: a blocking read (`?wait=`) with the last ETag,
 * or, where the registry refuses those, a conditional GET every interval. A failure of any
 * kind backs off up to 30 s and leaves the files as they were.
 */
export async function watchLoop(o: WatchLoopOptions): Promise<void> {
  let etag: string | undefined;
  let blocking = o.waitSeconds > 0;
  let down = false;
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
      if (down) o.log.info("registry reachable again");
      down = false;
      backoff.reset();
      if (answer.status === 200) {
        const written = await writeChanged(filesOf(o.watch, answer.text, o.target));
        etag = answer.headers.get("etag") ?? undefined;
        if (written.length > 0) {
          o.log.info(`wrote ${written.join(", ")}`);
          o.onWrite(written);
        }
      }
      if (!blocking) await delay(o.intervalMs, o.signal);
    } catch (err) {
      if (o.signal.aborted) break;
      if (err instanceof RegistryError && err.code === "wait_unsupported") {
        o.log.info(`the registry does not hold reads open: polling every ${o.intervalMs / 1000}s`);
        blocking = false;
        continue;
      }
      const waitMs = backoff.next();
      if (!down || backoff.attempts === 1) {
        o.log.warn(
          `${err instanceof Error ? err.message : String(err)}; files left as they are, ` +
            `retrying in ${Math.round(waitMs / 100) / 10}s`,
        );
      }
      down = true;
      await delay(waitMs, o.signal);
    }
  }
}
