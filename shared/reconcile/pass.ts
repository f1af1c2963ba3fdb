import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { AppLogger } from "../logging.js";
import { silentLogger } from "../logging.js";
import type { Instance } from "../model/instance.js";
import { importCloudMap } from "../sources/cloudmap-import.js";
import {
  type NamespaceSnapshot,
  resolveNamespace,
  snapshotNamespace,
} from "../sources/cloudmap-namespace.js";
import type { SourceScan } from "../sources/discovered.js";
import { discoverEc2 } from "../sources/ec2.js";
import type { ReconcilerStore, ReconcileState } from "../store/store.js";
import type { ReconcileConfig } from "./config.js";
import { registrySnapshot } from "./registry.js";
import { emptyState } from "./status.js";
import { type ExportOutcome, syncExport } from "./sync-export.js";
import { describeError, type ImportOutcome, syncImport } from "./sync-import.js";
import { removeTerminated } from "./sync-terminated.js";

/** The names a pass reports under, in `/v1/discovery/health` and the state items. */
export const SOURCES = {
  ec2: "ec2",
  cloudMap: "cloudmap",
  cloudMapExport: "cloudmap-export",
} as const;

export interface PassDeps {
  store: ReconcilerStore;
  config: ReconcileConfig;
  /** The EC2 client; the EC2 source runs when this is given and `config.ec2.enabled`. */
  ec2?: EC2Client;
  /** The Cloud Map client; import and export run when this is given and a namespace is set. */
  cloudMap?: ServiceDiscoveryClient;
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

export interface PassReport {
  startedAt: number;
  durationMs: number;
  /** The state of every source after the pass, as written to the table. */
  states: ReconcileState[];
  ec2?: ImportOutcome;
  cloudMap?: ImportOutcome;
  cloudMapExport?: ExportOutcome;
  /** Heartbeat instances removed because EC2 says their instance is terminated. */
  terminated: number;
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

async function settle<T>(
  run: (() => Promise<T>) | undefined,
): Promise<PromiseSettledResult<T> | undefined> {
  if (!run) return undefined;
  try {
    return { status: "fulfilled", value: await run() };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}

/**
 * One reconciliation pass: reads the registry once, asks each configured source, and brings
 * the registry (and, for the export, Cloud Map) in line with what they said. Used by the
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
  const lease = leaseSeconds(config.intervalSeconds);
  const ec2 = config.ec2.enabled ? deps.ec2 : undefined;
  const cloudMap = config.cloudMapNamespace ? deps.cloudMap : undefined;
  const namespace = config.cloudMapNamespace ?? "";

  const previous = new Map((await store.reconcileStates()).map((s) => [s.name, s]));
  const registry = await registrySnapshot(store, startedAt, { concurrency, signal });

  // The sources are asked side by side; each answer (or failure) is dealt with on its own.
  const [ec2Scan, namespaceSnapshot] = await Promise.all([
    settle<SourceScan>(
      ec2 &&
        (() =>
          discoverEc2({
            client: ec2,
            filters: config.ec2.filters,
            defaultPorts: config.ec2.defaultPorts,
            pageSize: options.ec2PageSize,
            signal,
          })),
    ),
    settle<NamespaceSnapshot>(
      cloudMap &&
        (async () =>
          snapshotNamespace(cloudMap, await resolveNamespace(cloudMap, namespace, signal), {
            signal,
            concurrency,
          })),
    ),
  ]);
  const common = { registry, store, nowMs: startedAt, leaseSeconds: lease, concurrency, signal };
  const prior = (name: string) => {
    const p = previous.get(name);
    return p?.enabled ? { accepted: p.accepted, heldPasses: p.held_passes } : undefined;
  };

  let ec2Outcome: ImportOutcome | undefined;
  const removed = new Set<Instance>();
  if (ec2 && ec2Scan) {
    ec2Outcome = await syncImport({
      ...common,
      source: "ec2",
      scan: ec2Scan,
      previous: prior(SOURCES.ec2),
      safetyRatio: config.safetyRatio,
    });
    // Asked only when the tag search worked: a failing EC2 is reported once, by that.
    if (ec2Scan.status === "fulfilled") {
      try {
        const gone = await removeTerminated({ ec2, store, registry, concurrency, signal, logger });
        for (const i of gone) removed.add(i);
      } catch (err) {
        ec2Outcome = {
          ...ec2Outcome,
          ok: false,
          error: [
            ec2Outcome.error,
            `checking heartbeat nodes' EC2 instances failed: ${describeError(err)}`,
          ]
            .filter((e) => e !== null)
            .join("; "),
        };
      }
    }
  }

  let cloudMapOutcome: ImportOutcome | undefined;
  let exportOutcome: ExportOutcome | undefined;
  if (cloudMap && namespaceSnapshot) {
    cloudMapOutcome = await syncImport({
      ...common,
      source: "cloudmap",
      scan:
        namespaceSnapshot.status === "fulfilled"
          ? {
              status: "fulfilled",
              value: importCloudMap(namespaceSnapshot.value, config.ec2.defaultPorts),
            }
          : namespaceSnapshot,
      previous: prior(SOURCES.cloudMap),
      safetyRatio: config.safetyRatio,
    });
    exportOutcome = await syncExport({
      client: cloudMap,
      snapshot: namespaceSnapshot,
      heartbeats: registry.filter((i) => i.source === "heartbeat" && !removed.has(i)),
      previous: prior(SOURCES.cloudMapExport),
      safetyRatio: config.safetyRatio,
      concurrency,
      signal,
    });
  }

  const nextRun = startedAt + config.intervalSeconds * 1000;
  const state = (
    name: string,
    outcome: ImportOutcome | ExportOutcome | undefined,
  ): ReconcileState => {
    if (!outcome) return emptyState(name, false, previous.get(name)?.last_run ?? null);
    return {
      name,
      enabled: true,
      last_run: startedAt,
      next_run: nextRun,
      ok: outcome.ok,
      error: outcome.error,
      found: outcome.found,
      instances: outcome.instances,
      accepted: outcome.accepted,
      held_passes: outcome.heldPasses,
    };
  };
  const states = [
    state(SOURCES.ec2, ec2Outcome),
    state(SOURCES.cloudMap, cloudMapOutcome),
    state(SOURCES.cloudMapExport, exportOutcome),
  ];
  const written = await Promise.allSettled(states.map((s) => store.putReconcileState(s)));
  for (const w of written) {
    if (w.status === "rejected")
      logger.warn("could not record the pass's outcome", describeError(w.reason));
  }

  const report: PassReport = {
    startedAt,
    durationMs: now() - startedAt,
    states,
    terminated: removed.size,
    ...(ec2Outcome ? { ec2: ec2Outcome } : {}),
    ...(cloudMapOutcome ? { cloudMap: cloudMapOutcome } : {}),
    ...(exportOutcome ? { cloudMapExport: exportOutcome } : {}),
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
  ];
  // A handful is enough to see what is wrong with the tags; the rest would flood the log.
  for (const line of skipped.slice(0, 10)) logger.info(`reconcile skipped ${line}`);
  if (skipped.length > 10) logger.info(`reconcile skipped ${skipped.length - 10} more`);
}
