import { readFileSync } from "node:fs";
import * as z from "../shared/validation/zod.js";

/**
 * What `npm run bench` measured and `npm run cost` prices: written by bench/measured.ts to
 * cost/measured.json, so the model's per-request inputs are numbers from this code, not guesses.
 */
export const measuredSchema = z.strictObject({
  measuredAt: z.string(),
  machine: z.string(),
  /** The engine the capacity units were read from (DynamoDB Local reports ConsumedCapacity). */
  engine: z.string(),
  /** Write units one heartbeat renewal consumed, all store calls added up. */
  writeUnitsPerRenewal: z.number().check(z.positive()),
  /** Write units of a heartbeat that creates an instance in a catalogued service. */
  writeUnitsPerCreation: z.number().check(z.positive()),
  /** Median time a heartbeat took through the app against the engine, in ms. */
  heartbeatMedianMs: z.number().check(z.positive()),
  /** CPU time one heartbeat costs the process (app + SDK), ms: what Lambda memory speeds up. */
  heartbeatCpuMs: z.number().check(z.positive()),
  /** A heartbeat request and its answer as they cross the wire (headers and body). */
  heartbeatRequestBytes: z.int().check(z.positive()),
  heartbeatResponseBytes: z.int().check(z.positive()),
  /** Read units of one peers.json of `peersInstances` instances. */
  peersReadUnits: z.number().check(z.nonnegative()),
  peersInstances: z.int().check(z.positive()),
  peersBytesPerInstance: z.number().check(z.positive()),
  peersGzipBytesPerInstance: z.number().check(z.positive()),
  bundleMinifiedBytes: z.int().check(z.positive()),
  bundleGzipBytes: z.int().check(z.positive()),
  /** Cold import of the API bundle plus its first request, in one fresh process (ms). */
  coldStartMs: z.number().check(z.positive()),
});

export type Measured = z.infer<typeof measuredSchema>;

export const MEASURED_FILE = new URL("./measured.json", import.meta.url);

export function readMeasured(file: URL | string = MEASURED_FILE): Measured {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `no measurements at ${String(file)}: run \`npm run bench\` first (${(err as Error).message})`,
    );
  }
  const parsed = measuredSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${String(file)} is not a measurement file: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
