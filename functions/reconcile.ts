import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, ScheduledEvent } from "aws-lambda";
import { reconciler } from "../shared/compose/reconciler.js";
import { passMetrics } from "../shared/reconcile/metrics.js";
import { passBudgetMs } from "../shared/reconcile/pass.js";
import type { PassReport } from "../shared/reconcile/pass-record.js";
import { Env } from "../shared/settings/names.js";
import { readReconcilerSettings } from "../shared/settings/reconciler.js";
import { createDynamoClient } from "../shared/store/dynamodb/client.js";
import { DynamoStore } from "../shared/store/dynamodb/store.js";

/**
 * The reconciler on a schedule (EventBridge): one pass per invocation. Configured from the
 * environment (shared/settings/reconciler.ts), wired by shared/compose/reconciler.ts; what a
 * pass needs to remember lives in the table, so nothing depends on a warm container.
 */
const logger = new Logger({ serviceName: "muster-reconcile" });
const metrics = new Metrics({ namespace: "Muster", serviceName: "muster-reconcile" });
const settings = readReconcilerSettings(process.env);
// A longer timeout than the API's: nobody waits on this one, and a retry costs a whole pass.
const store = new DynamoStore({
  client: createDynamoClient({ requestTimeoutMs: 5_000 }),
  tableName: settings.tableName,
});
const passes = reconciler({ settings, store, logger });
if (!passes) {
  logger.warn(
    `no source configured (${Env.MUSTER_EC2_DISCOVERY}, ${Env.MUSTER_CLOUDMAP_NAMESPACE}, ${Env.MUSTER_K8S_DISCOVERY}): nothing to do`,
  );
}

/** Left for the pass to record its outcome and the metrics to be written before Lambda stops it. */
const MARGIN_MS = 3_000;

export interface ReconcileResult {
  ok: boolean;
  durationMs: number;
  sources: { name: string; ok: boolean | null; instances: number; error: string | null }[];
}

export async function handler(_event: ScheduledEvent, context: Context): Promise<ReconcileResult> {
  const started = Date.now();
  let report: PassReport | undefined;
  try {
    if (passes) {
      const budgetMs = Math.min(
        passBudgetMs(settings.intervalSeconds),
        context.getRemainingTimeInMillis() - MARGIN_MS,
      );
      report = await passes.pass({ budgetMs });
    }
  } catch (err) {
    // Not rethrown: EventBridge would invoke again at once, against the same broken store.
    // The next scheduled pass is the retry; the metrics and the log say what happened.
    logger.error("reconcile pass failed", err as Error);
  } finally {
    for (const m of passMetrics(settings, report, Date.now() - started)) {
      const target = m.source ? metrics.singleMetric().addDimension("Source", m.source) : metrics;
      target.addMetric(m.name, m.unit, m.value);
    }
    metrics.publishStoredMetrics();
  }
  const sources = (report?.states ?? [])
    .filter((s) => s.enabled)
    .map((s) => ({ name: s.name, ok: s.ok, instances: s.instances, error: s.error }));
  return {
    ok: report !== undefined && sources.every((s) => s.ok !== false),
    durationMs: Date.now() - started,
    sources,
  };
}
