/** Resolves after `ms`, or at once when `signal` aborts (a stop must not wait out a timer). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Sleeper().sleep(ms, signal).then(() => undefined);
}

export type WakeReason = "elapsed" | "woken" | "aborted";

/**
 * A sleep that a stop cuts short (abort) and a status change ends early (wake), so a node
 * turning critical is reported at once instead of at the next scheduled heartbeat.
 */
export class Sleeper {
  #wake: (() => void) | undefined;

  sleep(ms: number, signal?: AbortSignal): Promise<WakeReason> {
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      const done = (reason: WakeReason) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        resolve(reason);
      };
      const onAbort = () => done("aborted");
      const timer = setTimeout(() => done("elapsed"), Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => done("woken");
    });
  }

  /** Ends the sleep under way, if any. A wake with nobody asleep is dropped on purpose. */
  wake(): void {
    this.#wake?.();
  }
}
