import { type DiscoveryHealth, type SourceHealth, summarize } from "../discovery/health.js";
import { isoSeconds } from "../model/instance.js";
import type { ReconcileState, RegistryStore } from "../store/store.js";
import type { SyncOutcome } from "./outcome.js";

/**
 * A source whose next pass is this many intervals overdue (and at least a minute) is reported
 * as not ok: the reconciler has stopped (schedule disabled, function failing before it can
 * record anything). The minute keeps short intervals from flagging a pass that merely ran long.
 */
const OVERDUE_INTERVALS = 2;
const OVERDUE_MIN_MS = 60_000;

export function toSourceHealth(state: ReconcileState, nowMs: number): SourceHealth {
  const health: SourceHealth = {
    name: state.name,
    enabled: state.enabled,
    last_run: state.last_run === null ? null : isoSeconds(state.last_run),
    next_run: state.next_run === null ? null : isoSeconds(state.next_run),
    ok: state.ok,
    error: state.error,
    instances: state.instances,
  };
  if (state.enabled && state.last_run !== null && state.next_run !== null) {
    const interval = Math.max(1_000, state.next_run - state.last_run);
    if (nowMs > state.next_run + Math.max(OVERDUE_MIN_MS, OVERDUE_INTERVALS * interval)) {
      const late = `no pass since ${isoSeconds(state.last_run)}: is the reconciler running?`;
      return { ...health, ok: false, error: state.error ? `${late} (last: ${state.error})` : late };
    }
  }
  return health;
}

export interface DiscoveryStatusOptions {
  store: RegistryStore;
  now?: () => number;
  /**
   * Sources this process knows are configured, shown (with no run yet) before the table has
   * anything for them.
   */
  configured?: readonly string[];
}

/**
 * `createApp({ discovery })`: the sources' status as the last pass wrote it to the table,
 * read on each request (one Query of a handful of items), so the API Lambda and local mode
 * answer alike whichever process ran the pass.
 */
export function discoveryFromTable(
  options: DiscoveryStatusOptions,
): () => Promise<DiscoveryHealth> {
  const now = options.now ?? Date.now;
  const configured = options.configured ?? [];
  return async () => {
    const states = await options.store.reconcileStates();
    const nowMs = now();
    const byName = new Map(states.map((s) => [s.name, s]));
    for (const name of configured) {
      if (!byName.has(name)) byName.set(name, emptyState(name, true));
    }
    const sources = [...byName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((s) => toSourceHealth(s, nowMs));
    return summarize(sources);
  };
}

/** A source's state after a pass (or, for a watched source, a sync) that ran at `lastRun`. */
export function ranState(
  name: string,
  outcome: SyncOutcome,
  lastRun: number,
  nextRun: number,
): ReconcileState {
  return {
    name,
    enabled: true,
    last_run: lastRun,
    next_run: nextRun,
    ok: outcome.ok,
    error: outcome.error,
    found: outcome.found,
    instances: outcome.instances,
    accepted: outcome.accepted,
    held_passes: outcome.heldPasses,
  };
}

/** A source's state before its first pass (or once it is turned off). */
export function emptyState(
  name: string,
  enabled: boolean,
  lastRun: number | null = null,
): ReconcileState {
  return {
    name,
    enabled,
    last_run: lastRun,
    next_run: null,
    ok: null,
    error: null,
    found: null,
    instances: 0,
    accepted: 0,
    held_passes: 0,
  };
}
