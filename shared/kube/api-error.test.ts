import { describe, expect, it } from "vitest";
import { KubeApiError, KubeForbiddenError, kubeApiError } from "./api-error.js";

describe("kubeApiError", () => {
  it("names the verb, the resource and the scope RBAC refused, with the server's words", () => {
    const status = {
      kind: "Status",
      status: "Failure",
      reason: "Forbidden",
      code: 403,
      message: 'endpointslices.discovery.k8s.io is forbidden: User "x" cannot list resource',
    };
    const err = kubeApiError(403, JSON.stringify(status), {
      verb: "list",
      resource: "endpointslices.discovery.k8s.io",
    });
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(err.message).toBe(
      "Kubernetes RBAC forbids list on endpointslices.discovery.k8s.io in every namespace (cluster scope); " +
        'grant the verb "list" on "endpointslices.discovery.k8s.io" to these credentials: ' +
        status.message,
    );
    expect(err.reason).toBe("Forbidden");
  });

  it("names one object in one namespace, and takes a parsed body", () => {
    const err = kubeApiError(
      409,
      { reason: "Conflict", message: "the object has been modified" },
      { verb: "update", resource: "configmaps", namespace: "stellar", name: "peers" },
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).not.toBeInstanceOf(KubeForbiddenError);
    expect(err.reason).toBe("Conflict");
    expect(err.message).toBe(
      'Kubernetes API answered 409 to update configmaps "peers" in namespace "stellar": the object has been modified',
    );
  });

  it("keeps a body that is not JSON as text, and says 401 is about the credentials", () => {
    const err = kubeApiError(401, "Unauthorized\n", { verb: "get", resource: "configmaps" });
    expect(err.message).toBe(
      "the Kubernetes API refused the credentials (401) to get configmaps in every namespace (cluster scope): Unauthorized",
    );
  });
});
