import { performance } from "node:perf_hooks";

/** What a latency sample set comes to; times in milliseconds. */
export interface Summary {
  n: number;
  median: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile (no interpolation): the smallest sample with at least p of the
 * samples at or below it. With 50 samples p99 is the largest; with 300 it is the third largest.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: percentile(samples, 1),
  };
}

/** Wall time of one call, in milliseconds. */
export async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/**
 * Runs `ours` and `reference` alternately, `warmup` untimed rounds then `iterations` timed ones.
 * The order flips every round so neither side always runs on the connection, cache or
 * engine state the other left behind.
 */
export async function paired(
  warmup: number,
  iterations: number,
  ours: (round: number) => Promise<void>,
  reference: (round: number) => Promise<void>,
): Promise<{ ours: Summary; reference: Summary }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < warmup + iterations; round++) {
    let tOurs: number;
    let tReference: number;
    if (round % 2 === 0) {
      tOurs = await timed(() => ours(round));
      tReference = await timed(() => reference(round));
    } else {
      tReference = await timed(() => reference(round));
      tOurs = await timed(() => ours(round));
    }
    if (round >= warmup) {
      a.push(tOurs);
      b.push(tReference);
    }
  }
  return { ours: summarize(a), reference: summarize(b) };
}
