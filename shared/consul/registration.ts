import { type ErrorIssue, invalidInput } from "../http/errors.js";
import { serviceName } from "../model/names.js";
import type * as z from "../validation/zod.js";
import { registrationSchema } from "./register-schema.js";

/**
 * A decoded `PUT /v1/agent/service/register`: Consul's defaults applied (ID = Name, check IDs
 * `service:<ID>` or `service:<ID>:<n>`, check names, a new check critical, weights 1/1, a
 * DeregisterCriticalServiceAfter under a minute raised to one), every check a TTL check.
 */
export interface ConsulRegistration {
  name: string;
  id: string;
  tags: string[];
  /** "" when the body gives none (Consul then uses the node's address). */
  address: string;
  /** 0 when the body gives none. */
  port: number;
  meta: Record<string, string>;
  weights: { passing: number; warning: number };
  taggedAddresses: Record<string, { address: string; port: number }>;
  /** Empty when the body registers no check: what that means is the caller's choice. */
  checks: ConsulCheckDefinition[];
}

export interface ConsulCheckDefinition {
  checkId: string;
  name: string;
  status: "passing" | "warning" | "critical";
  notes: string;
  ttlMs: number;
  /** Null: never deregistered for being critical. */
  deregisterCriticalAfterMs: number | null;
}

export type DecodedRegistration =
  | { ok: true; value: ConsulRegistration }
  | { ok: false; issues: ErrorIssue[]; message: string };

/** Consul's check_deregister_interval_min: a shorter DeregisterCriticalServiceAfter is raised to it. */
export const DEREGISTER_CRITICAL_MIN_MS = 60_000;

type CheckInput = {
  CheckID?: string;
  Name?: string;
  Status?: "passing" | "warning" | "critical" | "";
  Notes?: string;
  TTL?: number;
  Interval?: number;
  DeregisterCriticalServiceAfter?: number;
};

type RegistrationInput = {
  ID?: string;
  Name?: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  Meta?: Record<string, string>;
  Weights?: { Passing?: number; Warning?: number };
  TaggedAddresses?: Record<string, { Address?: string; Port?: number }>;
  Check?: CheckInput;
  Checks?: CheckInput[];
};

/** Consul skips a `Check` whose every field is empty (CheckType.Empty); `Checks` entries it does not. */
const emptyCheck = (c: CheckInput) =>
  Object.values(c).every((v: unknown) => v === undefined || v === "" || v === 0 || v === false);

function failure(issues: ErrorIssue[]): DecodedRegistration {
  return { ok: false, issues, message: issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
}

export function decodeRegistration(body: unknown): DecodedRegistration {
  const parsed = registrationSchema.safeParse(body);
  if (!parsed.success) return failure(invalidInput(parsed.error as z.core.$ZodError).issues ?? []);
  const input = parsed.data as RegistrationInput;
  const issues: ErrorIssue[] = [];

  if (!input.Name) issues.push({ path: "Name", message: "Missing service name" });
  else {
    const name = serviceName.safeParse(input.Name);
    if (!name.success) issues.push({ path: "Name", message: name.error.issues[0]?.message ?? "" });
  }
  // Given, Weights must say Passing: Consul reads a missing one as 0 and refuses it.
  if (input.Weights && input.Weights.Passing === undefined) {
    issues.push({ path: "Weights.Passing", message: "Passing must be greater than 0" });
  }
  const name = input.Name ?? "";
  const id = input.ID || name;

  const given: Array<{ check: CheckInput; path: string }> = [];
  if (input.Check && !emptyCheck(input.Check)) given.push({ check: input.Check, path: "Check" });
  for (const [i, check] of (input.Checks ?? []).entries()) {
    given.push({ check, path: `Checks.${i}` });
  }
  const checks: ConsulCheckDefinition[] = [];
  const seen = new Set<string>();
  for (const [n, { check, path }] of given.entries()) {
    const ttl = check.TTL ?? 0;
    if ((check.Interval ?? 0) > 0 && ttl > 0) {
      issues.push({
        path: `${path}.Interval`,
        message: "Interval and TTL cannot both be specified",
      });
    } else if (ttl <= 0) {
      issues.push({ path: `${path}.TTL`, message: "TTL must be > 0 for TTL checks" });
    }
    const checkId = check.CheckID || `service:${id}${given.length > 1 ? `:${n + 1}` : ""}`;
    if (seen.has(checkId)) {
      issues.push({ path: `${path}.CheckID`, message: `CheckID ${checkId} is given twice` });
    }
    seen.add(checkId);
    const dcsa = check.DeregisterCriticalServiceAfter ?? 0;
    checks.push({
      checkId,
      name: check.Name || `Service '${name}' check`,
      status: check.Status || "critical",
      notes: check.Notes ?? "",
      ttlMs: ttl,
      deregisterCriticalAfterMs: dcsa > 0 ? Math.max(dcsa, DEREGISTER_CRITICAL_MIN_MS) : null,
    });
  }
  if (issues.length > 0) return failure(issues);

  const taggedAddresses: ConsulRegistration["taggedAddresses"] = {};
  for (const [tag, a] of Object.entries(input.TaggedAddresses ?? {})) {
    taggedAddresses[tag] = { address: a.Address ?? "", port: a.Port ?? 0 };
  }
  return {
    ok: true,
    value: {
      name,
      id,
      tags: input.Tags ?? [],
      address: input.Address ?? "",
      port: input.Port ?? 0,
      meta: input.Meta ?? {},
      weights: { passing: input.Weights?.Passing ?? 1, warning: input.Weights?.Warning ?? 1 },
      taggedAddresses,
      checks,
    },
  };
}
