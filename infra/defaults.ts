/**
 * Stack defaults that the cost model (cost/) prices, kept free of CDK imports so the model
 * can read them without loading aws-cdk-lib. docs/cost.md explains each choice.
 */

/**
 * MB of the API function. A heartbeat waits on DynamoDB far longer than it computes, so
 * memory (which buys CPU) mostly shortens cold starts and the duration bill grows with it.
 * The floor is a whole 100,000-instance listing: measured at about 170 MB above the process's
 * baseline, which 256 MB does not hold with the runtime; 384 MB does (docs/cost.md).
 */
export const API_MEMORY_MB = 384;

/** Provisioned-capacity auto scaling defaults (infra/constructs/registry-table.ts). */
export const PROVISIONED_DEFAULTS = {
  minWriteCapacity: 5,
  /** 10,000 heartbeats/s at 80 % utilisation need 12,500; a little headroom on top. */
  maxWriteCapacity: 15_000,
  minReadCapacity: 5,
  maxReadCapacity: 2_000,
  /**
   * Heartbeats are a steady load: a high target wastes little, and a fleet booting at once
   * is absorbed by burst capacity while auto scaling catches up.
   */
  targetUtilizationPercent: 80,
} as const;

/**
 * Warm throughput asked of a new on-demand table: a new table starts at 4,000 writes/s,
 * under what 100,000 nodes at 10 s send. Pre-warming costs a one-time fee, not a monthly one.
 */
export const WARM_THROUGHPUT = { writeUnitsPerSecond: 12_000, readUnitsPerSecond: 12_000 } as const;
