import type { AppLogger } from "../logging.js";

export interface ScheduleOptions {
  intervalMs: number;
  /** One pass. Its errors are logged, never thrown out of the loop. */
  run: (signal: AbortSignal) => Promise<void>;
  logger: AppLogger;
  /** Before the first pass. Default 0: a registry just started wants its sources at once. */
  firstDelayMs?: number;
}

export interface Scheduled {
  /** Cancels the next pass, aborts the one running and waits for it to wind down. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, measured start to start, never two at once: a pass that
 * overruns its interval delays the next one instead of overlapping it. For `npm start`; on
 * Lambda the schedule is EventBridge's.
 */
export function schedule(options: ScheduleOptions): Scheduled {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const tick = async () => {
    timer = undefined;
    const started = Date.now();
    try {
      await options.run(controller.signal);
    } catch (err) {
      // A failing pass (the store down, say) must not take the server with it.
      options.logger.error("reconcile pass failed", err);
    }
    if (controller.signal.aborted) return;
    const wait = Math.max(0, options.intervalMs - (Date.now() - started));
    timer = setTimeout(start, wait);
  };
  const start = () => {
    running = tick().finally(() => {
      running = undefined;
    });
  };
  timer = setTimeout(start, options.firstDelayMs ?? 0);

  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
