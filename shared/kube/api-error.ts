/** What a request to the Kubernetes API was doing, for its error message. */
export interface KubeRequest {
  /** The RBAC verb: list, watch, get, create, update. */
  verb: string;
  /** The resource as RBAC names it: `endpointslices.discovery.k8s.io`, `configmaps`. */
  resource: string;
  /** Absent: every namespace (the cluster scope). */
  namespace?: string;
  /** One object's name (get, update). */
  name?: string;
}

/** The API server's answer to a failed request: a `Status` object (or whatever else came back). */
export class KubeApiError extends Error {
  override readonly name: string = "KubeApiError";
  constructor(
    readonly status: number,
    /** The Status object's `reason` (`Forbidden`, `Conflict`, `NotFound`, `Gone`...), if any. */
    readonly reason: string | undefined,
    readonly request: KubeRequest,
    message: string,
  ) {
    super(message);
  }
}

/**
 * RBAC refused the request. The message names the verb, the resource and the scope, which is
 * what a Role must grant, so an operator can fix it without reading the API server's logs.
 */
export class KubeForbiddenError extends KubeApiError {
  override readonly name = "KubeForbiddenError";
}

function scope(request: KubeRequest): string {
  const object = request.name ? ` ${JSON.stringify(request.name)}` : "";
  return request.namespace
    ? `${request.resource}${object} in namespace ${JSON.stringify(request.namespace)}`
    : `${request.resource}${object} in every namespace (cluster scope)`;
}

/** The API server's own words, from a Status body (JSON text or already parsed). */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (value === null || typeof value !== "object") return {};
  const { message, reason } = value as { message?: unknown; reason?: unknown };
  return {
    message: typeof message === "string" ? message : undefined,
    reason: typeof reason === "string" ? reason : undefined,
  };
}

/** The error for an answer with HTTP status `status` and body `body` to `request`. */
export function kubeApiError(status: number, body: unknown, request: KubeRequest): KubeApiError {
  const { message, reason } = statusOf(body);
  const said = message ? `: ${message}` : "";
  if (status === 403) {
    return new KubeForbiddenError(
      status,
      reason ?? "Forbidden",
      request,
      `Kubernetes RBAC forbids ${request.verb} on ${scope(request)}; ` +
        `grant the verb "${request.verb}" on "${request.resource}" to these credentials${said}`,
    );
  }
  if (status === 401) {
    return new KubeApiError(
      status,
      reason ?? "Unauthorized",
      request,
      `the Kubernetes API refused the credentials (401) to ${request.verb} ${scope(request)}${said}`,
    );
  }
  return new KubeApiError(
    status,
    reason,
    request,
    `Kubernetes API answered ${status} to ${request.verb} ${scope(request)}${said}`,
  );
}
