import type { Status } from "../model/instance.js";
import { checkAt, type StoredCheck } from "../store/checks.js";
import type { ConsulCheckDefinition } from "./registration.js";

/**
 * How Consul's TTL checks live beside a muster instance (shared/store/checks.ts): registered,
 * updated, and how long the instance they belong to is kept.
 */

/**
 * How long an instance whose checks have all run out is kept without
 * DeregisterCriticalServiceAfter: Consul keeps it, critical, as long as the agent that holds
 * it lives; a registry has no agent, so it bounds the wait (docs/consul.md).
 */
export const KEEP_CRITICAL_MS = 72 * 3_600_000;

/** Consul's default check output limit (OutputMaxSize): longer outputs are cut, and say so. */
export const OUTPUT_MAX = 4096;

/**
 * The checks of a registration over what the instance had: a check registered again keeps
 * its status and output (Consul restores them, so a periodic re-registration never makes a
 * passing instance critical) and its TTL starts again; a new one starts at its Status
 * (critical unless said). Checks not in the registration stay, unless `replace`
 * (`?replace-existing-checks`).
 */
export function registeredChecks(
  definitions: readonly ConsulCheckDefinition[],
  previous: readonly StoredCheck[],
  replace: boolean,
  nowMs: number,
): StoredCheck[] {
  const before = new Map(previous.map((c) => [c.check_id, checkAt(c, nowMs)]));
  const checks = definitions.map((d): StoredCheck => {
    const kept = before.get(d.checkId);
    const status = kept?.status ?? d.status;
    return {
      check_id: d.checkId,
      name: d.name,
      status,
      output: kept?.output ?? "",
      notes: d.notes,
      ttl_ms: d.ttlMs,
      deadline: nowMs + d.ttlMs,
      // Consul counts a registered check's critical time from its registration.
      critical_since: status === "critical" ? nowMs : null,
      deregister_after_ms: d.deregisterCriticalAfterMs,
    };
  });
  if (!replace) {
    const named = new Set(definitions.map((d) => d.checkId));
    for (const c of before.values()) if (!named.has(c.check_id)) checks.push(c);
  }
  return checks;
}

/** Consul's cut of a long output: the head, and how much of it was kept. */
export function cutOutput(output: string): string {
  if (output.length <= OUTPUT_MAX) return output;
  return `${output.slice(0, OUTPUT_MAX)} ...\nCaptured ${OUTPUT_MAX} of ${output.length} bytes`;
}

/** A check updated by its owner: the TTL starts again; critical time counts from the first. */
export function updatedCheck(
  check: StoredCheck,
  status: Status,
  output: string,
  nowMs: number,
): StoredCheck {
  const now = checkAt(check, nowMs);
  return {
    ...now,
    status,
    output: cutOutput(output),
    deadline: nowMs + now.ttl_ms,
    critical_since: status === "critical" ? (now.critical_since ?? nowMs) : null,
  };
}

/**
 * An update that changes nothing a reader sees, sooner than a tenth of the TTL after the
 * check's last update, is not written: clients that pass every second cost no write each, and
 * the TTL counts from at most a tenth of it earlier.
 */
export function repeatsLastUpdate(
  check: StoredCheck,
  status: Status,
  output: string,
  nowMs: number,
): boolean {
  const now = checkAt(check, nowMs);
  const updatedAt = check.deadline - check.ttl_ms;
  return (
    now.status === status &&
    now.output === cutOutput(output) &&
    nowMs - updatedAt < check.ttl_ms / 10
  );
}

/**
 * When the instance is removed: DeregisterCriticalServiceAfter after a check with one turned
 * critical (now, or when its TTL runs out), else KEEP_CRITICAL_MS after the last TTL runs out.
 * Exactly then, where Consul's reaper runs every 30 s.
 */
export function leaseEnd(checks: readonly StoredCheck[], nowMs: number): number {
  let end = nowMs;
  for (const c of checks) end = Math.max(end, c.deadline);
  end += KEEP_CRITICAL_MS;
  for (const stored of checks) {
    const c = checkAt(stored, nowMs);
    if (c.deregister_after_ms === null) continue;
    const criticalFrom = c.status === "critical" ? (c.critical_since ?? nowMs) : c.deadline;
    end = Math.min(end, criticalFrom + c.deregister_after_ms);
  }
  // A lease in the past would not be written; one second is the store's resolution.
  return Math.max(end, nowMs + 1000);
}
