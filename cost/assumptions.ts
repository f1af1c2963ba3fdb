/**
 * What the cost model cannot measure on this machine, each with the reason for its value.
 * Prices are in prices.ts; measurements in measured.json; the stack's settings are imported
 * from the stack's own code where they live.
 */
export const ASSUMPTIONS = {
  /**
   * Bytes Lambda writes per invocation with text logs at INFO: the START, END and REPORT
   * platform lines (about 90 + 80 + 230 bytes). With JSON logs and system level WARN there
   * are none.
   */
  platformLogBytesAtInfo: 400,
  /** One EMF line with the three API metrics and their dimensions. */
  emfLineBytes: 450,
  /** The API flushes its metrics at most this often per warm container (functions/metrics). */
  metricFlushSeconds: 60,
  /** CloudWatch charges ingestion on the event plus 26 bytes of overhead per event. */
  logEventOverheadBytes: 26,
  /**
   * Headers the function URL (or CloudFront) adds to an answer beyond the app's own: Date,
   * x-amzn-RequestId, x-amzn-Trace-Id, Connection, Content-Length.
   */
  platformResponseHeaderBytes: 200,
  /**
   * Headers a heartbeat through CloudFront carries beyond the measured request: its token in
   * X-Muster-Token (16 + 48 bytes) and the body's hash in x-amz-content-sha256 (22 + 64).
   */
  cloudFrontAuthHeaderBytes: 160,
  /** An instance item as DynamoDB sizes it (names + values), for storage. */
  itemBytes: 700,
  /** The reconciler runs once a minute (infra/constructs/reconciler.ts). */
  reconcilerRunsPerMonth: 43_800,
  /** A reconciler run's billed duration, ms (a few Describe/List calls and a table query). */
  reconcilerBilledMs: 300,
  reconcilerMemoryMb: 512,
  /** Secrets read by a warm API container every five minutes (tokens, signing, presign). */
  secrets: 3,
  secretReloadsPerContainerHour: 12,
  /**
   * Alarms and custom metrics (name × dimensions) the stack creates with one discovery source:
   * the API's Heartbeats, Deregistrations, StoreUnavailable; the reconciler's
   * ReconcileDurationMs, SourceInstances, SourceErrors, SourceMissing.
   */
  alarms: 7,
  customMetrics: 7,
  /** A 3-node Consul cluster: t4g.small with a 20 GB gp3 volume each. */
  consulNodes: 3,
  consulVolumeGb: 20,
} as const;

export type Assumptions = typeof ASSUMPTIONS;
