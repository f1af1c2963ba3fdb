import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { AppLogger } from "../logging.js";
import { silentLogger } from "../logging.js";
import type { ReconcilerSettings } from "../settings/reconciler.js";
import type { ReconcilerStore } from "../store/store.js";
import { applyScans } from "./pass-apply.js";
import { type PassReport, recordPass } from "./pass-record.js";
import { type KubernetesScanner, scanSources } from "./pass-scan.js";
import { registrySnapshot } from "./registry.js";

export interface PassDeps {
  store: ReconcilerStore;
  config: ReconcilerSettings;
  /** The EC2 client; the EC2 source runs when this is given and `config.ec2.enabled`. */
  ec2?: EC2Client;
  /** The Cloud Map client; import and export run when this is given and a namespace is set. */
  cloudMap?: ServiceDiscoveryClient;
  /** One look at the EndpointSlices; the Kubernetes source runs when this is given and configured. */
  kubernetes?: KubernetesScanner;
  /**
   * Sources that another part of this process keeps in line and records (local mode watches
   * Kubernetes, local/kube-follower.ts): the pass neither asks them nor writes their state.
   */
  followed?: readonly string[];
  now?: () => number;
  logger?: AppLogger;
}

export interface PassOptions {
  /** Stops the pass early (shutdown). */
  signal?: AbortSignal;
  /** Time the pass may take before it stops starting new calls. Default: see `passBudgetMs`. */
  budgetMs?: number;
  /** Calls in flight at once, per step. Default 8. */
  concurrency?: number;
  /** DescribeInstances page size. Default 1000. */
  ec2PageSize?: number;
}

/**
 * Leases of source-made instances, in reconcile intervals: long enough to ride out a missed
 * pass, short enough that the instances of a reconciler that stopped for good expire. At
 * least a minute, so that a short interval does not make a restart lose them.
 */
export const LEASE_INTERVALS = 3;
export const MIN_LEASE_SECONDS = 60;

export function leaseSeconds(intervalSeconds: number): number {
  return Math.max(MIN_LEASE_SECONDS, intervalSeconds * LEASE_INTERVALS);
}

/** A pass gets most of an interval, within bounds: the next pass should not have to wait. */
export function passBudgetMs(intervalSeconds: number): number {
  return Math.min(300_000, Math.max(10_000, intervalSeconds * 800));
}

/**
 * One reconciliation pass: reads the registry once, then scan (ask each configured source,
 * pass-scan.ts), apply (bring the registry, and for the export Cloud Map, in line with what
 * they said, pass-apply.ts) and record (the sources' state and the report, pass-record.ts). Used by the
 * scheduled Lambda (functions/reconcile.ts) and by `npm start` alike. A source that fails
 * changes nothing and is reported; the pass only throws when the registry itself cannot be
 * read, and then it has changed nothing either.
 */
export async function runReconcilePass(
  deps: PassDeps,
  options: PassOptions = {},
): Promise<PassReport> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const { store, config } = deps;
  const startedAt = now();
  const concurrency = options.concurrency ?? 8;
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.budgetMs ?? passBudgetMs(config.intervalSeconds)),
    ...(options.signal ? [options.signal] : []),
  ]);
  const ec2 = config.ec2.enabled ? deps.ec2 : undefined;
  const cloudMap = config.cloudMapNamespace ? deps.cloudMap : undefined;
  const kubernetes = config.kubernetes ? deps.kubernetes : undefined;

  const previous = new Map((await store.reconcileStates()).map((s) => [s.name, s]));
  const registry = await registrySnapshot(store, startedAt, { concurrency, signal });
  const scans = await scanSources({
    config,
    ec2,
    cloudMap,
    kubernetes,
    ec2PageSize: options.ec2PageSize,
    concurrency,
    signal,
  });
  const outcomes = await applyScans({
    scans,
    registry,
    store,
    config,
    previous,
    ec2,
    cloudMap,
    kubernetes: kubernetes !== undefined,
    nowMs: startedAt,
    leaseSeconds: leaseSeconds(config.intervalSeconds),
    concurrency,
    signal,
    logger,
  });
  return await recordPass({
    store,
    outcomes,
    previous,
    startedAt,
    now,
    intervalSeconds: config.intervalSeconds,
    followed: deps.followed,
    logger,
  });
}
