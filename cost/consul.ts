import { readFileSync, writeFileSync } from "node:fs";
import * as z from "../shared/validation/zod.js";
import { GB, type Prices, SECONDS_PER_MONTH } from "./prices.js";

/**
 * What one Consul watcher costs on Lambda a month: a client that follows a service with
 * blocking queries (Consul's Go watch plans, Prometheus's discovery) against the function,
 * priced from what `npm run bench` measured of each call (cost/consul-measured.json) and the
 * deployment's two settings: how long a query is held (MUSTER_MAX_WAIT_SECONDS) and how often
 * a watcher whose index did not move is answered (MUSTER_CONSUL_REASK_SECONDS).
 */
const units = z.strictObject({
  read: z.number().check(z.nonnegative()),
  write: z.number().check(z.nonnegative()),
});

export const consulMeasuredSchema = z.strictObject({
  measuredAt: z.string(),
  engine: z.string(),
  /** Instances in the service the watcher follows. */
  instances: z.int().check(z.positive()),
  /** A health read in a container that has not read the service: its index and its list. */
  readUnitsFirstRead: units,
  /** A health read in one that has (its view kept): the index alone. */
  readUnitsKeptRead: units,
  /** A blocking query about an unchanged index, granted: the index and the claim. */
  unitsGrantedReask: units,
  /** The same refused in a container that does not remember the claim (a failed conditional write). */
  unitsRefusedReaskElsewhere: units,
  /** The same refused where the claim is remembered. */
  unitsRefusedReaskHere: units,
  unitsCheckUpdate: units,
  unitsRepeatedPass: units,
  /** CPU of one answered health read (app and SDK), ms. */
  healthCpuMs: z.number().check(z.positive()),
  healthResponseBytes: z.int().check(z.positive()),
});

export type ConsulMeasured = z.infer<typeof consulMeasuredSchema>;
type Units = z.infer<typeof units>;

export const CONSUL_MEASURED_FILE = new URL("./consul-measured.json", import.meta.url);

export function readConsulMeasured(file: URL | string = CONSUL_MEASURED_FILE): ConsulMeasured {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `no Consul measurements at ${String(file)}: run \`npm run bench\` first (${(err as Error).message})`,
    );
  }
  const parsed = consulMeasuredSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${String(file)} is not a Consul measurement file: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

export function writeConsulMeasured(
  measured: ConsulMeasured,
  file: URL | string = CONSUL_MEASURED_FILE,
): void {
  writeFileSync(file, `${JSON.stringify(consulMeasuredSchema.parse(measured), null, 2)}\n`);
}

/** How a client loops: how long it waits after an answer, and after its k-th refusal in a row. */
export interface WatcherLoop {
  name: string;
  afterAnswerSeconds: number;
  afterRefusalSeconds: (k: number) => number;
}

export const LOOPS = {
  /** Consul's Go watch plans (watch/plan.go): again at once; after errors 5 s × failures², 3 min at most. */
  goWatchPlan: {
    name: "Go watch plan",
    afterAnswerSeconds: 0,
    afterRefusalSeconds: (k: number) => Math.min(180, 5 * k * k),
  },
  /** Prometheus's Consul discovery: refresh_interval (30 s) after an answer, 15 s after an error. */
  prometheus: {
    name: "Prometheus (refresh 30 s)",
    afterAnswerSeconds: 30,
    afterRefusalSeconds: () => 15,
  },
  /** The worst client the cap is stated for: again at once, and 1 s after each refusal. */
  eager: {
    name: "any client waiting ≥ 1 s after a 429",
    afterAnswerSeconds: 0,
    afterRefusalSeconds: () => 1,
  },
} satisfies Record<string, WatcherLoop>;

export interface WatcherSettings {
  /** MUSTER_MAX_WAIT_SECONDS: how long a query is held (0: answered at once). */
  waitSeconds: number;
  /** MUSTER_CONSUL_REASK_SECONDS. */
  reaskSeconds: number;
  /** The API function's memory. */
  memoryMb: number;
  /** DynamoDB's own latency per call, ms. */
  dynamoLatencyMs: number;
  /** How often a held query looks at the index (1 s) and how long a container keeps a view (30 s). */
  pollSeconds: number;
  keptViewSeconds: number;
}

/**
 * One idle cycle of a loop (nothing changes): the answered query is claimed at 0, held `wait`,
 * and the watcher's next question is granted once `reask` has passed since the answer; the
 * questions before are refused.
 */
export function watcherCycle(
  loop: WatcherLoop,
  s: Pick<WatcherSettings, "waitSeconds" | "reaskSeconds">,
) {
  const claimEnds = s.waitSeconds + s.reaskSeconds;
  let t = s.waitSeconds + loop.afterAnswerSeconds;
  let refusals = 0;
  while (t < claimEnds && refusals < 10_000) {
    refusals++;
    t += loop.afterRefusalSeconds(refusals);
  }
  return { cycleSeconds: Math.max(t, 0.001), refusals };
}

const storeUsd = (u: Units, p: Prices) =>
  u.read * p.dynamoReadRequestUnit.usd + u.write * p.dynamoWriteRequestUnit.usd;

/** Dollars a month one watcher of an idle service costs on Lambda, and what makes it up. */
export function watcherMonthly(
  loop: WatcherLoop,
  s: WatcherSettings,
  m: ConsulMeasured,
  p: Prices,
) {
  const { cycleSeconds, refusals } = watcherCycle(loop, s);
  const gbSecond = (ms: number) =>
    (s.memoryMb / 1024) * (Math.ceil(ms) / 1000) * p.lambdaArmGbSecond.usd;
  const listUnits: Units = {
    read: m.readUnitsFirstRead.read - m.readUnitsKeptRead.read,
    write: m.readUnitsFirstRead.write - m.readUnitsKeptRead.write,
  };
  const answered =
    p.lambdaRequest.usd +
    gbSecond(s.waitSeconds * 1000 + m.healthCpuMs + 3 * s.dynamoLatencyMs) +
    storeUsd(m.unitsGrantedReask, p) +
    // A held query looks at the index every pollSeconds; the list is read when the kept view ages out.
    (s.waitSeconds / s.pollSeconds) * storeUsd(m.readUnitsKeptRead, p) +
    Math.min(1, cycleSeconds / s.keptViewSeconds) * storeUsd(listUnits, p) +
    (m.healthResponseBytes / GB) * p.dataOutInternetGb.usd;
  // A refusal priced where it costs most: in a container that does not remember the claim.
  const refused =
    p.lambdaRequest.usd +
    gbSecond(m.healthCpuMs + 2 * s.dynamoLatencyMs) +
    storeUsd(m.unitsRefusedReaskElsewhere, p);
  const cycles = SECONDS_PER_MONTH / cycleSeconds;
  return {
    cycleSeconds,
    refusals,
    askedPerHour: (3600 / cycleSeconds) * (1 + refusals),
    perMonth: cycles * (answered + refusals * refused),
    heldShare: s.waitSeconds / cycleSeconds,
  };
}
