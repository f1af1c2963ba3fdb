import type { Principal } from "../model/principal.js";

/**
 * A refusal as Consul's agent answers it: a status and a bare `text/plain` message, which the
 * clients put into their errors (`Unexpected response code: 404 (Unknown check ID …)`) and
 * programs match on. Where muster has more to say, it follows Consul's words.
 */
export class ConsulError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 413 | 429 | 500 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const aclNotFound = () => new ConsulError(403, "ACL not found");

/** Consul's texts for a token without the right, named by its AccessorID (muster: the fingerprint). */
export function permissionDenied(
  principal: Principal | undefined,
  permission: "service:write" | "service:read",
  resource: string,
  why?: string,
): ConsulError {
  const who = principal ? `token with AccessorID '${principal.fingerprint}'` : "anonymous token";
  const tail = principal
    ? ""
    : ". The anonymous token is used implicitly when a request does not specify a token.";
  return new ConsulError(
    403,
    `Permission denied: ${who} lacks permission '${permission}' on "${resource}"${tail}${why ? ` (${why})` : ""}`,
  );
}

export const unknownCheck = (id: string) =>
  new ConsulError(
    404,
    `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
  );

export const unknownService = (id: string) =>
  new ConsulError(
    404,
    `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
  );

export const badRequest = (message: string) => new ConsulError(400, message);
