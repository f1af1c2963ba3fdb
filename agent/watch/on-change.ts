import { spawn } from "node:child_process";
import type { HealthCheck } from "../checks/check.js";
import type { Logger } from "../log.js";
import { delay } from "../sleep.js";

export interface ChangeHookOptions {
  /** Run with /bin/sh -c. */
  command: string;
  /** The local check that must pass before the command runs (`--check-http`). */
  check?: HealthCheck;
  /** Quiet time after the last change before the command runs. */
  debounceMs: number;
  /** How often a failing check is asked again while a run is held. */
  checkIntervalMs: number;
  /** Per check. */
  checkTimeoutMs: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Runs `--on-change` once after a burst of changes: a change arms it, each further change
 * restarts the quiet time, and the command runs once when it ends. While the health check
 * fails the run is held, not dropped (as the Stellar operator reloads healthy validators
 * only): it goes ahead once the check passes. A change during a run arms it again.
 */
export class ChangeHook {
  readonly #o: ChangeHookOptions;
  #armedAt = 0;
  #pending = false;
  #loop: Promise<void> | undefined;
  /** Runs so far; the tests read it through the log, callers may read it directly. */
  runs = 0;

  constructor(options: ChangeHookOptions) {
    this.#o = options;
  }

  trigger(): void {
    this.#pending = true;
    this.#armedAt = Date.now();
    this.#loop ??= this.#drain().finally(() => {
      this.#loop = undefined;
    });
  }

  /** Settles when nothing is pending or running (or on abort). */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  async #drain(): Promise<void> {
    const { signal, log } = this.#o;
    let heldLogged = false;
    while (this.#pending && !signal.aborted) {
      const quiet = this.#armedAt + this.#o.debounceMs - Date.now();
      if (quiet > 0) {
        await delay(quiet, signal);
        continue;
      }
      if (this.#o.check) {
        const result = await this.#o.check(
          AbortSignal.any([signal, AbortSignal.timeout(this.#o.checkTimeoutMs)]),
        );
        if (result.status !== "passing") {
          if (!heldLogged)
            log.warn(`health check ${result.status} (${result.output}): --on-change held`);
          heldLogged = true;
          await delay(this.#o.checkIntervalMs, signal);
          continue;
        }
      }
      this.#pending = false;
      heldLogged = false;
      const code = await runShell(this.#o.command, signal);
      this.runs += 1;
      if (code === 0) log.info(`--on-change ran (exit 0), run ${this.runs}`);
      else log.warn(`--on-change exited ${code}, run ${this.runs}`);
    }
  }
}

function runShell(command: string, signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], {
      stdio: ["ignore", "inherit", "inherit"],
      signal,
    });
    child.once("error", () => resolve(null));
    child.once("close", (code) => resolve(code));
  });
}
