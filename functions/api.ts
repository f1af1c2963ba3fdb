import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { handle } from "hono/aws-lambda";
import { lambdaApi } from "../shared/compose/lambda-api.js";
import type { AppEvent } from "../shared/http/app-event.js";

/** The HTTP API on Lambda (function URL or API Gateway HTTP API, payload v2). */
const logger = new Logger({ serviceName: "muster-api" });
const metrics = new Metrics({ namespace: "Muster", serviceName: "muster-api" });
const METRIC: Record<AppEvent, string> = {
  heartbeat: "Heartbeats",
  deregistration: "Deregistrations",
  store_unavailable: "StoreUnavailable",
};
const serve = handle(
  lambdaApi(process.env, {
    logger,
    onEvent: (event) => metrics.addMetric(METRIC[event], MetricUnit.Count, 1),
  }),
);

export const handler: typeof serve = async (event, context) => {
  try {
    return await serve(event, context);
  } finally {
    // Metrics are buffered per invocation: publish (write the EMF line) before Lambda freezes.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
