/**
 * Stack defaults that the cost model (cost/) prices, kept free of CDK imports so the model
 * can read them without loading aws-cdk-lib. docs/cost.md explains each choice.
 */

/**
 * MB of the API function. A heartbeat waits on DynamoDB far longer than it computes, so
 * memory (which buys CPU) mostly shortens cold starts; 256 MB halves the duration bill of
 * 512 MB at the price of a slower first request per container (docs/cost.md).
 */
export const API_MEMORY_MB = 256;

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
