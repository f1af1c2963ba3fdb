import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { Instance } from "../model/instance.js";
import { applyExport, planExport } from "../sinks/cloudmap-export.js";
import type { NamespaceSnapshot } from "../sources/cloudmap-namespace.js";
import { describeError, type SyncOutcome } from "./outcome.js";
import { judgeDrop } from "./safety.js";

export interface ExportInput {
  client: ServiceDiscoveryClient;
  snapshot: PromiseSettledResult<NamespaceSnapshot>;
  /** Live heartbeat instances that should be in Cloud Map. */
  heartbeats: readonly Instance[];
  previous: { accepted: number; heldPasses: number } | undefined;
  safetyRatio: number;
  concurrency: number;
  signal?: AbortSignal;
}

export interface ExportOutcome extends SyncOutcome {
  created: number;
  registered: number;
  deregistered: number;
}

/** At most this many failed calls are named in the health report; the rest are counted. */
const FAILURES_SHOWN = 3;

/**
 * Exports heartbeat instances into the namespace and deregisters the exported ones that
 * expired. The registry is the source here, so the same safety rule guards deregistration: a
 * sudden mass expiry (the nodes cut off from the registry, say) keeps Cloud Map as it was.
 */
export async function syncExport(input: ExportInput): Promise<ExportOutcome> {
  if (input.snapshot.status === "rejected") {
    return {
      ok: false,
      error: describeError(input.snapshot.reason),
      found: null,
      instances: input.previous?.accepted ?? 0,
      accepted: input.previous?.accepted ?? 0,
      heldPasses: input.previous?.heldPasses ?? 0,
      created: 0,
      registered: 0,
      deregistered: 0,
      skipped: [],
    };
  }
  const snapshot = input.snapshot.value;
  const plan = planExport(input.heartbeats, snapshot);
  const accepted = input.previous?.accepted ?? plan.current;
  const verdict = judgeDrop({
    found: plan.desired,
    accepted,
    heldPasses: input.previous?.heldPasses ?? 0,
    ratio: input.safetyRatio,
  });
  const result = await applyExport(input.client, snapshot, plan, {
    deregister: verdict.accept,
    signal: input.signal,
    concurrency: input.concurrency,
  });
  const problems = [
    ...(verdict.reason ? [verdict.reason] : []),
    ...result.failures.slice(0, FAILURES_SHOWN),
    ...(result.failures.length > FAILURES_SHOWN
      ? [`and ${result.failures.length - FAILURES_SHOWN} more failed calls`]
      : []),
  ];
  return {
    ok: problems.length === 0,
    error: problems.length > 0 ? problems.join("; ") : null,
    found: plan.desired,
    instances: plan.current + result.added - result.deregistered,
    accepted: verdict.accept ? plan.desired : accepted,
    heldPasses: verdict.heldPasses,
    created: result.created,
    registered: result.registered,
    deregistered: result.deregistered,
    skipped: plan.skipped,
  };
}
