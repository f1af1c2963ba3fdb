import type { AppLogger } from "../logging.js";
import type { Instance } from "../model/instance.js";
import type { ReconcilerStore, ReconcileState } from "../store/store.js";
import { describeError, type SyncOutcome } from "./outcome.js";
import { emptyState, ranState } from "./status.js";
import type { ExportOutcome } from "./sync-export.js";
import type { ImportOutcome } from "./sync-import.js";

/** The names a pass reports under, in `/v1/discovery/health` and the state items. */
export const SOURCES = {
  ec2: "ec2",
  cloudMap: "cloudmap",
  cloudMapExport: "cloudmap-export",
  kubernetes: "kubernetes",
} as const;

/** What the apply step did, per source (absent: the source is not configured). */
export interface Outcomes {
  ec2?: ImportOutcome;
  cloudMap?: ImportOutcome;
  cloudMapExport?: ExportOutcome;
  kubernetes?: ImportOutcome;
  /** Heartbeat instances removed because EC2 says their instance is terminated. */
  removed: Set<Instance>;
}

export interface PassReport {
  startedAt: number;
  durationMs: number;
  /** The state of every source after the pass, as written to the table. */
  states: ReconcileState[];
  ec2?: ImportOutcome;
  cloudMap?: ImportOutcome;
  cloudMapExport?: ExportOutcome;
  kubernetes?: ImportOutcome;
  /** Heartbeat instances removed because EC2 says their instance is terminated. */
  terminated: number;
}

/**
 * A pass's last step: the state of every source written to the store (so that Lambda
 * invocations and /v1/discovery/health share it; a failed write is logged, never thrown, since
 * the registry is already in line), the report, and a log line when something changed.
 */
export async function recordPass(input: {
  store: ReconcilerStore;
  outcomes: Outcomes;
  previous: ReadonlyMap<string, ReconcileState>;
  startedAt: number;
  now: () => number;
  intervalSeconds: number;
  logger: AppLogger;
  /** Sources another part of the process keeps (PassDeps.followed): their state is theirs. */
  followed?: readonly string[];
}): Promise<PassReport> {
  const { store, outcomes, previous, startedAt, logger } = input;
  const nextRun = startedAt + input.intervalSeconds * 1000;
  const state = (name: string, outcome: SyncOutcome | undefined): ReconcileState => {
    if (!outcome) return emptyState(name, false, previous.get(name)?.last_run ?? null);
    return ranState(name, outcome, startedAt, nextRun);
  };
  const followed = new Set(input.followed ?? []);
  // A source this pass did not run is written as off only when it has a state already (it was
  // on, and is now turned off); one never configured is left out of the health report.
  const states = [
    state(SOURCES.ec2, outcomes.ec2),
    state(SOURCES.cloudMap, outcomes.cloudMap),
    state(SOURCES.cloudMapExport, outcomes.cloudMapExport),
    state(SOURCES.kubernetes, outcomes.kubernetes),
  ].filter((s) => !followed.has(s.name) && (s.enabled || previous.has(s.name)));
  const written = await Promise.allSettled(states.map((s) => store.putReconcileState(s)));
  for (const w of written) {
    if (w.status === "rejected")
      logger.warn("could not record the pass's outcome", describeError(w.reason));
  }

  const report: PassReport = {
    startedAt,
    durationMs: input.now() - startedAt,
    states,
    terminated: outcomes.removed.size,
    ec2: outcomes.ec2,
    cloudMap: outcomes.cloudMap,
    cloudMapExport: outcomes.cloudMapExport,
    kubernetes: outcomes.kubernetes,
  };
  logPass(logger, report, previous);
  return report;
}

/** Quiet while nothing changes: a line when a count moves or a source is not ok. */
function logPass(
  logger: AppLogger,
  report: PassReport,
  previous: ReadonlyMap<string, ReconcileState>,
): void {
  for (const s of report.states) {
    if (!s.enabled) continue;
    const line = `reconcile ${s.name}: ${s.instances} instance(s)${s.found === null ? "" : `, found ${s.found}`}`;
    if (!s.ok) logger.warn(`${line}; ${s.error}`);
    else if (previous.get(s.name)?.instances !== s.instances || !previous.get(s.name)?.ok)
      logger.info(line);
  }
  const skipped = [
    ...(report.ec2?.skipped ?? []),
    ...(report.cloudMap?.skipped ?? []),
    ...(report.cloudMapExport?.skipped ?? []),
    ...(report.kubernetes?.skipped ?? []),
  ];
  // A handful is enough to see what is wrong with the tags; the rest would flood the log.
  for (const line of skipped.slice(0, 10)) logger.info(`reconcile skipped ${line}`);
  if (skipped.length > 10) logger.info(`reconcile skipped ${skipped.length - 10} more`);
}
