/**
 * What a token may do. `read` reads its services; `register` also heartbeats and deregisters
 * in them; `admin` does everything, on every service, and manages tokens and presigned URLs.
 */
export const ROLES = ["read", "register", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who made a request: only a fingerprint, so the token itself never reaches storage or logs,
 * and what it may do.
 */
export interface Principal {
  fingerprint: string;
  /** `admin` for the bootstrap tokens (MUSTER_TOKENS, the tokens secret). */
  role: Role;
  /**
   * Service patterns (`name` or `prefix*`) the principal may touch; undefined: every service.
   * Only admins have no list.
   */
  services?: readonly string[];
  /**
   * How it authenticated: a bootstrap token, a scoped token from the table, a presigned URL, or
   * an IAM role the stack maps to a scope (a node in AWS signing with SigV4).
   */
  kind: "bootstrap" | "scoped" | "presigned" | "iam";
  /**
   * An IAM role bound to its session: the instance id (its role session name) this principal
   * may write, alone or followed by `:` and more (shared/auth/iam-roles.ts).
   */
  instance?: string;
}
