import { LABEL } from "../model/dns-label.js";
import { type Principal, ROLES } from "../model/principal.js";
import * as z from "../validation/zod.js";

export const role = z.enum(ROLES);

/**
 * A scope entry: a service name (a DNS label), or a prefix followed by `*` (`web-*`), which
 * covers every service whose name starts with the prefix. `*` alone covers every service
 * (a read-everything token for a dashboard, say, without making it an admin).
 */
export const servicePattern = z
  .string()
  .check(
    z.regex(
      new RegExp(`^(?:${LABEL}|[a-z0-9-]{0,62}\\*)$`),
      "must be a service name, or a prefix of one followed by *",
    ),
  );

export function matchesPattern(pattern: string, service: string): boolean {
  return pattern.endsWith("*") ? service.startsWith(pattern.slice(0, -1)) : pattern === service;
}

/** True when the principal's scope covers the service (admins: every service). */
export function inScope(principal: Principal, service: string): boolean {
  if (principal.services === undefined) return principal.role === "admin";
  return principal.services.some((p) => matchesPattern(p, service));
}

/** What a request does to a service. */
export type Action = "read" | "write";

/**
 * Whether the principal may do `action` on `service`: reads need any role within scope,
 * writes `register` or `admin` within scope. Nothing else decides access to a service.
 */
export function allows(principal: Principal, action: Action, service: string): boolean {
  if (!inScope(principal, service)) return false;
  return action === "read" || principal.role === "register" || principal.role === "admin";
}
