import { API_MEMORY_MB, PROVISIONED_DEFAULTS } from "../infra/defaults.js";
import type { Settings } from "./model.js";

/** The stack's defaults as the model prices them (infra/defaults.ts, muster-function.ts). */
export const DEFAULT_SETTINGS: Settings = {
  memoryMb: API_MEMORY_MB,
  logs: "json-warn",
  metrics: "aggregated",
  targetUtilizationPercent: PROVISIONED_DEFAULTS.targetUtilizationPercent,
  minWriteCapacity: PROVISIONED_DEFAULTS.minWriteCapacity,
  minReadCapacity: PROVISIONED_DEFAULTS.minReadCapacity,
  // A conditional UpdateItem in the same region: single-digit ms (DynamoDB's documented range).
  dynamoLatencyMs: 6,
};

/** The defaults before issue 12: 512 MB, text logs at INFO, one EMF line per invocation. */
export const PREVIOUS_SETTINGS: Settings = {
  ...DEFAULT_SETTINGS,
  memoryMb: 512,
  logs: "text-info",
  metrics: "per-invocation",
  targetUtilizationPercent: 70,
};
