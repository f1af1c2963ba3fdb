import type { KubeConfig } from "@kubernetes/client-node";
import type { AppLogger } from "../shared/logging.js";
import { describeError } from "../shared/reconcile/outcome.js";
import { leaseSeconds } from "../shared/reconcile/pass.js";
import { SOURCES } from "../shared/reconcile/pass-record.js";
import { registrySnapshot } from "../shared/reconcile/registry.js";
import { ranState } from "../shared/reconcile/status.js";
import { type ImportOutcome, syncImport } from "../shared/reconcile/sync-import.js";
import type { KubernetesSettings, ReconcilerSettings } from "../shared/settings/reconciler.js";
import type { SourceScan } from "../shared/sources/discovered.js";
import {
  type SliceWatcher,
  watchEndpointSlices,
} from "../shared/sources/kubernetes/slice-watcher.js";
import type { ReconcilerStore } from "../shared/store/store.js";

export interface KubeFollowerOptions {
  kubernetes: KubernetesSettings;
  /** The interval (a sync at least that often, which renews the leases) and the safety ratio. */
  reconciler: Pick<ReconcilerSettings, "intervalSeconds" | "safetyRatio">;
  kubeConfig: KubeConfig;
  store: ReconcilerStore;
  logger: AppLogger;
  /** After each sync that recorded a state (for /metrics). */
  onSync?: (outcome: ImportOutcome) => void;
  /** Restart backoff of the watches; default 250 ms doubling to 10 s. */
  retryMs?: { min: number; max: number };
  now?: () => number;
}

export interface KubeFollower {
  stop(): Promise<void>;
}

/** Calls in flight at once while a sync reads the registry and writes. */
const CONCURRENCY = 8;

/**
 * Local mode's Kubernetes source: the EndpointSlices watched (list + watch, shared/sources/
 * kubernetes/slice-watcher.ts), and the registry brought in line with what the watcher knows as
 * soon as it changes, by the same import as a reconcile pass (syncImport: its writes, its
 * removals, its safety rule), and at least every interval, which renews the leases. Syncs never
 * overlap; changes during one make one more.
 *
 * What the watcher knows removes instances only while it is synced (every list answered, no
 * watch failing); otherwise a sync renews what the source had and records the failure, as a
 * pass does for a source that errs. A sharp drop is held by the safety rule; only the timed
 * syncs count as the passes that confirm it, so a burst of changes cannot believe it at once.
 */
export function followKubernetes(options: KubeFollowerOptions): KubeFollower {
  const { store, logger, kubernetes, reconciler } = options;
  const now = options.now ?? Date.now;
  const intervalMs = reconciler.intervalSeconds * 1000;
  let nextTimed = now() + intervalMs;
  let timedDue = false;
  let changed = false;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastError: string | null | undefined;
  let lastInstances: number | undefined;
  let lastSkipped = "";

  const kick = () => {
    if (stopped || running) return;
    running = drain().finally(() => {
      running = undefined;
      // A kick that came while the last sync was recording.
      if (!stopped && (changed || timedDue)) kick();
    });
  };
  const drain = async () => {
    while (!stopped && (changed || timedDue)) {
      const timed = timedDue;
      changed = false;
      timedDue = false;
      try {
        await sync(timed);
      } catch (err) {
        // The store failed (the registry could not be read): the next change or interval retries.
        logger.error("kubernetes sync failed", describeError(err));
      }
    }
  };

  let watcher: SliceWatcher | undefined;
  const sync = async (timed: boolean) => {
    const snapshot = (watcher as SliceWatcher).snapshot();
    // Still listing for the first time, and nothing failed yet: nothing to say.
    if (!timed && !snapshot.synced && snapshot.errors.length === 0) return;
    const scan: PromiseSettledResult<SourceScan> = snapshot.synced
      ? { status: "fulfilled", value: snapshot.scan }
      : {
          status: "rejected",
          reason: new Error(
            snapshot.errors.map((e) => e.message).join("; ") ||
              "the EndpointSlices and Services have not been listed yet",
          ),
        };
    const startedAt = now();
    if (timed) nextTimed = startedAt + intervalMs;
    const previous = (await store.reconcileStates()).find((s) => s.name === SOURCES.kubernetes);
    const prior = previous?.enabled
      ? { accepted: previous.accepted, heldPasses: previous.held_passes }
      : undefined;
    const registry = await registrySnapshot(store, startedAt, { concurrency: CONCURRENCY });
    const outcome = await syncImport({
      source: "kubernetes",
      scan,
      registry,
      previous: prior,
      store,
      nowMs: startedAt,
      leaseSeconds: leaseSeconds(reconciler.intervalSeconds),
      safetyRatio: reconciler.safetyRatio,
      concurrency: CONCURRENCY,
    });
    // A drop held on a change is not a confirmation: only the timed syncs count as passes.
    if (!timed) outcome.heldPasses = Math.min(outcome.heldPasses, prior?.heldPasses ?? 0);
    await store.putReconcileState(ranState(SOURCES.kubernetes, outcome, startedAt, nextTimed));
    report(outcome);
    options.onSync?.(outcome);
  };

  /** Quiet while nothing changes, as a pass's log is. */
  const report = (outcome: ImportOutcome) => {
    const line = `kubernetes: ${outcome.instances} instance(s)${outcome.found === null ? "" : `, found ${outcome.found}`}`;
    if (outcome.error !== lastError && outcome.error) logger.warn(`${line}; ${outcome.error}`);
    else if (outcome.instances !== lastInstances || (lastError && !outcome.error))
      logger.info(line);
    const skipped = outcome.skipped.join("\n");
    if (skipped !== lastSkipped) {
      // A handful says what is wrong with the annotations; the rest would flood the log.
      for (const line of outcome.skipped.slice(0, 10)) logger.info(`kubernetes skipped ${line}`);
      lastSkipped = skipped;
    }
    lastError = outcome.error;
    lastInstances = outcome.instances;
  };

  watcher = watchEndpointSlices({
    kubeConfig: options.kubeConfig,
    namespaces: kubernetes.namespaces,
    labelSelector: kubernetes.labelSelector,
    retryMs: options.retryMs,
    onChange: () => {
      changed = true;
      kick();
    },
  });
  const timer = setInterval(() => {
    timedDue = true;
    kick();
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await (watcher as SliceWatcher).stop();
      await running;
    },
  };
}
