import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { handle } from "hono/aws-lambda";
import { lambdaApi } from "../shared/compose/lambda-api.js";
import type { AppEvent } from "../shared/http/app-event.js";
import { EventTotals } from "../shared/metrics/event-totals.js";

/** The HTTP API on Lambda (function URL or API Gateway HTTP API, payload v2). */
const logger = new Logger({ serviceName: "muster-api" });
const metrics = new Metrics({ namespace: "Muster", serviceName: "muster-api" });
const METRIC: Record<AppEvent, string> = {
  heartbeat: "Heartbeats",
  deregistration: "Deregistrations",
  store_unavailable: "StoreUnavailable",
};
// Counted per container and published once a minute (or at once on a store outage).
const totals = new EventTotals({ flushMs: 60_000 });
// The stack's bundling writes the built UI beside index.js (infra/constructs/api-function.ts).
const uiDir = typeof __dirname === "string" ? join(__dirname, "ui") : undefined;
const serve = handle(
  lambdaApi(process.env, { logger, onEvent: (event) => totals.add(event), uiDir }),
);

export const handler: typeof serve = async (event, context) => {
  try {
    return await serve(event, context);
  } finally {
    // Publish (write the EMF line) before Lambda freezes, when a flush is due.
    const due = totals.due();
    if (due) {
      for (const [event, count] of due) metrics.addMetric(METRIC[event], MetricUnit.Count, count);
      metrics.publishStoredMetrics();
    }
  }
};
