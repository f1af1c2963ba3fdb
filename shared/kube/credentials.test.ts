import { describe, expect, it } from "vitest";
import { findKubeCredentials, KubeCredentialsError } from "./credentials.js";

const files =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);
const inCluster = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

describe("findKubeCredentials", () => {
  it("takes the Pod's service account first, even with KUBECONFIG set", () => {
    const found = findKubeCredentials({
      env: { ...inCluster, KUBECONFIG: "/etc/kubeconfig" },
      serviceAccountDir: "/sa",
      exists: files("/sa/token", "/etc/kubeconfig", "/home/u/.kube/config"),
      home: "/home/u",
    });
    expect(found).toEqual({
      kind: "in-cluster",
      server: "https://10.96.0.1:443",
      tokenFile: "/sa/token",
      caFile: "/sa/ca.crt",
      namespaceFile: "/sa/namespace",
    });
  });

  it("brackets an IPv6 service host", () => {
    const found = findKubeCredentials({
      env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      serviceAccountDir: "/sa",
      exists: files("/sa/token"),
    });
    expect(found).toMatchObject({ server: "https://[fd00::1]:443" });
  });

  it("is not in a cluster without the token, and then reads KUBECONFIG's existing files", () => {
    const found = findKubeCredentials({
      env: { ...inCluster, KUBECONFIG: "/a:/missing::/b" },
      serviceAccountDir: "/sa",
      exists: files("/a", "/b", "/home/u/.kube/config"),
      home: "/home/u",
    });
    expect(found).toEqual({ kind: "kubeconfig", paths: ["/a", "/b"], from: "KUBECONFIG" });
  });

  it("refuses a KUBECONFIG none of whose files exists, rather than fall back", () => {
    expect(() =>
      findKubeCredentials({
        env: { KUBECONFIG: "/nope" },
        exists: files("/home/u/.kube/config"),
        home: "/home/u",
      }),
    ).toThrow(/KUBECONFIG names \/nope, and none of those files exists/);
  });

  it("falls back to ~/.kube/config, and says where it looked when that is missing too", () => {
    expect(
      findKubeCredentials({ env: {}, exists: files("/home/u/.kube/config"), home: "/home/u" }),
    ).toEqual({ kind: "kubeconfig", paths: ["/home/u/.kube/config"], from: "home" });
    const err = (() => {
      try {
        findKubeCredentials({
          env: {},
          exists: files(),
          home: "/home/u",
          serviceAccountDir: "/sa",
        });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KubeCredentialsError);
    expect((err as Error).message).toBe(
      "no Kubernetes credentials: not in a cluster (no KUBERNETES_SERVICE_HOST or no /sa/token), " +
        "KUBECONFIG is not set and /home/u/.kube/config does not exist",
    );
  });
});
