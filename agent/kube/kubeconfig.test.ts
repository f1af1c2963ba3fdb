import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findKubeTarget, KubeconfigError, kubeconfigTarget } from "./kubeconfig.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "muster-kubeconfig-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("kubeconfigTarget", () => {
  it("reads the current context's cluster and user from YAML, files relative to the kubeconfig", async () => {
    await writeFile(join(dir, "ca.pem"), "CA PEM");
    await writeFile(join(dir, "token"), "file-token\n");
    const path = join(dir, "config");
    await writeFile(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: prod",
        "clusters:",
        "- name: prod-cluster",
        "  cluster:",
        "    server: https://k8s.example:6443/",
        "    certificate-authority: ca.pem",
        "    tls-server-name: kubernetes",
        "users:",
        "- name: sidecar",
        "  user:",
        "    tokenFile: token",
        `    client-certificate-data: ${b64("CERT")}`,
        `    client-key-data: ${b64("KEY")}`,
        "contexts:",
        "- name: prod",
        "  context: {cluster: prod-cluster, user: sidecar, namespace: stellar}",
        "",
      ].join("\n"),
    );
    const target = kubeconfigTarget([path]);
    expect({ ...target, token: target.token?.() }).toEqual({
      server: "https://k8s.example:6443",
      ca: "CA PEM",
      insecureSkipTlsVerify: false,
      tlsServerName: "kubernetes",
      namespace: "stellar",
      token: "file-token",
      cert: "CERT",
      key: "KEY",
    });
  });

  it("merges files as kubectl does: the first to name a thing (or a current context) wins", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    await writeFile(
      a,
      JSON.stringify({
        clusters: [{ name: "c", cluster: { server: "https://first" } }],
        users: [{ name: "u", user: { token: "first" } }],
      }),
    );
    await writeFile(
      b,
      JSON.stringify({
        "current-context": "x",
        clusters: [{ name: "c", cluster: { server: "https://second" } }],
        users: [{ name: "u", user: { token: "second" } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      }),
    );
    const target = kubeconfigTarget([a, b]);
    expect([target.server, target.token?.()]).toEqual(["https://first", "first"]);
  });

  it("refuses a credential plugin, a missing context and a cluster without a server", async () => {
    const path = join(dir, "config");
    const write = (doc: unknown) => writeFile(path, JSON.stringify(doc));
    await write({
      "current-context": "eks",
      clusters: [{ name: "c", cluster: { server: "https://eks" } }],
      users: [{ name: "u", user: { exec: { command: "aws" } } }],
      contexts: [{ name: "eks", context: { cluster: "c", user: "u" } }],
    });
    expect(() => kubeconfigTarget([path])).toThrow(
      /credential plugin .* muster-agent does not run/,
    );
    await write({ "current-context": "gone" });
    expect(() => kubeconfigTarget([path])).toThrow(KubeconfigError);
    expect(() => kubeconfigTarget([path])).toThrow(/no context named gone/);
    await write({ "current-context": "x", contexts: [{ name: "x", context: { cluster: "c" } }] });
    expect(() => kubeconfigTarget([path])).toThrow(/context x has no cluster with a server/);
  });
});

describe("findKubeTarget", () => {
  it("uses the service account mount in a cluster, re-reading the token each time", async () => {
    await writeFile(join(dir, "token"), "one\n");
    await writeFile(join(dir, "ca.crt"), "CLUSTER CA");
    await writeFile(join(dir, "namespace"), "stellar");
    const target = findKubeTarget({
      env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      serviceAccountDir: dir,
    });
    expect([target.server, target.ca, target.namespace, target.token?.()]).toEqual([
      "https://10.96.0.1:443",
      "CLUSTER CA",
      "stellar",
      "one",
    ]);
    await writeFile(join(dir, "token"), "rotated\n");
    expect(target.token?.()).toBe("rotated");
  });
});
