import type { Instance } from "../../shared/model/instance.js";
import type { StatusFilter } from "../../shared/model/query.js";
import { delay } from "../sleep.js";
import { Backoff } from "./backoff.js";

export interface WatchOptions {
  /** Between polls. Default 5 s, the edge cache's lifetime: polling faster gains nothing there. */
  intervalMs?: number;
  status?: StatusFilter;
  tags?: string[];
  /** Ends the watch, as `stop()` does. */
  signal?: AbortSignal;
  /** Failed polls and callback errors; the watch goes on after either. */
  onError?: (err: unknown) => void;
}

export interface Watcher {
  stop(): void;
  /** Settles once the watch has stopped. */
  readonly done: Promise<void>;
}

/** One read of `/instances`: unchanged since the ETag, or the instances and their new ETag. */
export type InstancesRead =
  | { notModified: true }
  | { notModified: false; instances: Instance[]; etag: string | undefined };

/** The part of the client a watch uses. */
export interface InstancesReader {
  readInstances(
    path: string,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<InstancesRead>;
}

/**
 * Lease times move on every renewal, and with them the `/instances` ETag; a callback for each
 * renewal would fire every few seconds with nothing changed. A change is what is left without
 * them: membership, addresses, status, tags, metadata, weight.
 */
export function fingerprint(instances: readonly Instance[]): string {
  return JSON.stringify(instances.map(({ last_seen, expires_at, ...rest }) => rest));
}

/**
 * Polls with If-None-Match: a 304 (nothing at all changed) costs no body and no callback; a
 * 200 calls back only when the fingerprint moved. The first answer always calls back, so a
 * watcher starts from the current state. Failures back off up to 30 s and never end the watch.
 */
export function watchService(
  reader: InstancesReader,
  path: string,
  callback: (instances: Instance[]) => void | Promise<void>,
  options: WatchOptions = {},
): Watcher {
  const intervalMs = options.intervalMs ?? 5000;
  const onError = options.onError ?? (() => {});
  const stopper = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, stopper.signal])
    : stopper.signal;
  const backoff = new Backoff({ initialMs: intervalMs, maxMs: Math.max(intervalMs, 30_000) });

  const loop = async () => {
    let etag: string | undefined;
    let seen: string | undefined;
    while (!signal.aborted) {
      let waitMs = intervalMs;
      try {
        const read = await reader.readInstances(path, etag, signal);
        backoff.reset();
        if (!read.notModified) {
          etag = read.etag;
          const print = fingerprint(read.instances);
          if (print !== seen) {
            seen = print;
            // Awaited, so that a slow callback is never re-entered by the next change.
            await Promise.resolve(callback(read.instances)).catch(onError);
          }
        }
      } catch (err) {
        if (signal.aborted) break;
        onError(err);
        waitMs = Math.max(intervalMs, backoff.next());
      }
      await delay(waitMs, signal);
    }
  };

  return { stop: () => stopper.abort(), done: loop() };
}
