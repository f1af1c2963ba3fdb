import type { AppLogger } from "../logging.js";
import { configuredSources, createReconcilerClients } from "../reconcile/clients.js";
import { type PassOptions, runReconcilePass } from "../reconcile/pass.js";
import type { PassReport } from "../reconcile/pass-record.js";
import { type Scheduled, schedule } from "../reconcile/scheduler.js";
import { hasSource, type ReconcilerSettings } from "../settings/reconciler.js";
import type { ReconcilerStore } from "../store/store.js";

export interface ReconcilerParts {
  settings: ReconcilerSettings;
  store: ReconcilerStore;
  logger: AppLogger;
  /** Sources this process keeps another way (PassDeps.followed): local mode's Kubernetes watch. */
  followed?: readonly string[];
}

/** The reconciler of one process, its sources' clients made. */
export interface Reconciler {
  settings: ReconcilerSettings;
  /** The health entries of the configured sources (what /v1/discovery/health lists). */
  sources: string[];
  /** One pass; rejects only when the registry itself cannot be read (runReconcilePass). */
  pass(options?: PassOptions): Promise<PassReport>;
  /** Releases the AWS clients. */
  destroy(): void;
}

/**
 * The composition root of the reconciler, shared by the scheduled Lambda
 * (functions/reconcile.ts) and local mode's loop (local/serve.ts), as registry-app.ts is the
 * API's: the AWS clients of the configured sources (and only those), and the pass over the
 * given store. Undefined when no source is configured: there is nothing to run.
 */
export function reconciler(parts: ReconcilerParts): Reconciler | undefined {
  const { settings, store, logger, followed } = parts;
  if (!hasSource(settings)) return undefined;
  const clients = createReconcilerClients(settings);
  return {
    settings,
    sources: configuredSources(settings),
    pass: (options = {}) =>
      runReconcilePass({ store, config: settings, ...clients, logger, followed }, options),
    destroy: () => clients.destroy(),
  };
}

/**
 * A long-lived process's schedule (on Lambda it is EventBridge's): a pass every
 * MUSTER_RECONCILE_INTERVAL seconds, never two at once. `onPass` sees each pass's report, or
 * undefined when the pass failed (the failure itself is logged by the loop).
 */
export function scheduleReconciler(
  r: Reconciler,
  options: { logger: AppLogger; onPass?: (report: PassReport | undefined) => void },
): Scheduled {
  return schedule({
    intervalMs: r.settings.intervalSeconds * 1000,
    logger: options.logger,
    run: async (signal) => {
      const report = await r.pass({ signal }).catch((err) => {
        options.onPass?.(undefined);
        throw err;
      });
      options.onPass?.(report);
    },
  });
}
