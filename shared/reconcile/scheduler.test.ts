import { describe, expect, it } from "vitest";
import { silentLogger } from "../logging.js";
import { schedule } from "./scheduler.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("schedule", () => {
  it("runs at once and then every interval, never two at once, surviving a failing pass", async () => {
    let running = 0;
    let overlap = false;
    let runs = 0;
    const errors: unknown[] = [];
    const scheduled = schedule({
      intervalMs: 20,
      logger: { ...silentLogger, error: (_m, err) => errors.push(err) },
      run: async () => {
        runs++;
        overlap ||= running > 0;
        running++;
        await sleep(30); // Longer than the interval.
        running--;
        if (runs === 2) throw new Error("store down");
      },
    });
    await sleep(200);
    await scheduled.stop();
    expect(overlap).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(errors).toHaveLength(1);
    const after = runs;
    await sleep(60);
    expect(runs).toBe(after);
  });

  it("aborts the pass in flight on stop and waits for it", async () => {
    let aborted = false;
    let finished = false;
    const scheduled = schedule({
      intervalMs: 1_000,
      logger: silentLogger,
      run: async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        aborted = signal.aborted;
        await sleep(10);
        finished = true;
      },
    });
    await sleep(20);
    await scheduled.stop();
    expect(aborted).toBe(true);
    expect(finished).toBe(true);
  });
});
