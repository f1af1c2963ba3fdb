import { cpuMicros } from "./proc.js";
import { median } from "./throughput.js";

/** Rounds per figure after the warm-up. */
export const ROUNDS = 3;

/** A figure: the median rate of its rounds, each round's rate, and the server's CPU per request. */
export interface Figure {
  perSecond: number;
  rounds: number[];
  cpuPerRequest: number;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
export const rate = (n: number) => `${Math.round(n).toLocaleString("en")}/s`;

/**
 * One unmeasured warm-up round (the rate of code the JIT has not optimised yet is no rate),
 * then ROUNDS measured; the server's CPU time over the measured ones, per request.
 */
export async function rounds(
  label: string,
  server: { pid: number; requests: number },
  run: () => Promise<number>,
): Promise<Figure> {
  await run();
  const results: number[] = [];
  const cpuBefore = cpuMicros(server.pid);
  for (let r = 0; r < ROUNDS; r++) results.push(await run());
  const cpuPerRequest = (cpuMicros(server.pid) - cpuBefore) / (ROUNDS * server.requests);
  progress(`${label}: ${results.map(rate).join(", ")}; ${Math.round(cpuPerRequest)} µs CPU each`);
  return { perSecond: median(results), rounds: results, cpuPerRequest };
}
