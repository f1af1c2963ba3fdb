import type { InstanceCheck, Status } from "../model/instance.js";

/**
 * Health checks kept beside an instance, as every engine stores them (the item's `checks`):
 * today the TTL checks of registrations made through the Consul API. A check is updated by
 * its owner; when its TTL runs out it is critical, with the output "TTL expired", without any
 * write: every read works the check's state out from the time, so a flip is seen by every
 * reader at once, on Lambda as in local mode. Times are epoch ms.
 */
export interface StoredCheck {
  check_id: string;
  name: string;
  status: Status;
  output: string;
  notes: string;
  ttl_ms: number;
  /** When the TTL runs out unless the check is updated before. */
  deadline: number;
  /** When the check turned critical; null while it is not. */
  critical_since: number | null;
  /** How long the check may stay critical before the instance is removed; null: for ever. */
  deregister_after_ms: number | null;
}

/** The output Consul gives a TTL check whose TTL ran out. */
export const TTL_EXPIRED = "TTL expired";

/** The check as it stands at `nowMs`: past its deadline, critical since the deadline. */
export function checkAt(check: StoredCheck, nowMs: number): StoredCheck {
  if (nowMs < check.deadline) return check;
  return {
    ...check,
    status: "critical",
    output: TTL_EXPIRED,
    critical_since: check.critical_since ?? check.deadline,
  };
}

/** The worst of the checks' statuses (critical > warning > passing). */
export function worstStatus(checks: readonly { status: Status }[]): Status {
  if (checks.some((c) => c.status === "critical")) return "critical";
  if (checks.some((c) => c.status === "warning")) return "warning";
  return "passing";
}

/**
 * Until when an instance's stored status holds: the first deadline among its checks still
 * ahead of `nowMs`. From then on the instance is critical, whatever it was. Undefined when no
 * check has a deadline ahead.
 */
export function statusUntil(checks: readonly StoredCheck[], nowMs: number): number | undefined {
  let until: number | undefined;
  for (const c of checks) {
    if (c.deadline > nowMs && (until === undefined || c.deadline < until)) until = c.deadline;
  }
  return until;
}

/** The instance's status at `nowMs`, from its stored status and `status_until`. */
export function statusAt(
  item: { status?: Status; status_until?: number | undefined },
  nowMs: number,
): Status {
  if (item.status_until !== undefined && nowMs >= item.status_until) return "critical";
  return item.status ?? "passing";
}

const isoMillis = (ms: number) => new Date(ms).toISOString();

/** A stored check as the API serves it (Instance.checks), at `nowMs`. */
export function toInstanceCheck(stored: StoredCheck, nowMs: number): InstanceCheck {
  const c = checkAt(stored, nowMs);
  return {
    check_id: c.check_id,
    name: c.name,
    status: c.status,
    output: c.output,
    notes: c.notes,
    ttl: c.ttl_ms / 1000,
    ttl_ends_at: isoMillis(c.deadline),
    critical_since: c.critical_since === null ? null : isoMillis(c.critical_since),
    deregister_critical_after: c.deregister_after_ms === null ? null : c.deregister_after_ms / 1000,
  };
}

/** Back from the API's form: what a write that keeps a check's state starts from. */
export function fromInstanceCheck(c: InstanceCheck): StoredCheck {
  return {
    check_id: c.check_id,
    name: c.name,
    status: c.status,
    output: c.output,
    notes: c.notes,
    ttl_ms: Math.round(c.ttl * 1000),
    deadline: Date.parse(c.ttl_ends_at),
    critical_since: c.critical_since === null ? null : Date.parse(c.critical_since),
    deregister_after_ms:
      c.deregister_critical_after === null ? null : Math.round(c.deregister_critical_after * 1000),
  };
}
