import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeConfigMap } from "../../agent/kube/configmap-writer.js";
import { kubeRequest } from "../../agent/kube/kube-http.js";
import { findKubeTarget } from "../../agent/kube/kubeconfig.js";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import { stellarFiles, toStellarPeers } from "../../shared/formats/stellar.js";
import { KubeForbiddenError } from "../../shared/kube/api-error.js";
import { instance } from "../support/instances.js";
import { type AdminApis, adminApis, createNamespace, START_TIMEOUT_MS } from "./cluster.js";

let api: KubeApiServer;
let apis: AdminApis;
const NAMESPACE = "stellar";

beforeAll(async () => {
  api = await startKubeApiServer({ users: ["sidecar", "reader"] });
  apis = adminApis(api);
  await createNamespace(apis, NAMESPACE);
  // What examples/k8s grants the agent: its ConfigMap, nothing else.
  const grant = async (user: string, verbs: string[]) => {
    const name = `configmap-${user}`;
    await apis.rbac.createNamespacedRole({
      namespace: NAMESPACE,
      body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs }] },
    });
    await apis.rbac.createNamespacedRoleBinding({
      namespace: NAMESPACE,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }],
      },
    });
  };
  await grant("sidecar", ["get", "create", "update"]);
  await grant("reader", ["get"]);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await api?.stop();
});

const peersData = (ips: string[]) => {
  const files = stellarFiles(
    toStellarPeers(
      ips.map((ip, n) =>
        instance({ service: "stellar", id: `validator-${n}`, address: `${ip}:11625` }),
      ),
    ),
  );
  return {
    "peers.json": files["peers.json"],
    "peers.txt": files["peers.txt"],
    peer_count: files.peer_count,
  };
};

const readBack = (name: string) =>
  apis.core.readNamespacedConfigMap({ namespace: NAMESPACE, name });

async function sidecarTarget() {
  const path = await api.writeKubeconfig("sidecar");
  return findKubeTarget({ env: { KUBECONFIG: path }, serviceAccountDir: "/nonexistent/sa" });
}

describe("the agent's ConfigMap writer against kube-apiserver", () => {
  it("creates the Stellar ConfigMap, leaves it alone when unchanged, updates it when changed", async () => {
    const target = await sidecarTarget();
    const ref = { namespace: NAMESPACE, name: "core-peers" };
    const first = peersData(["10.0.0.1", "10.0.0.2"]);
    expect(await writeConfigMap(target, ref, first)).toBe("created");
    const created = await readBack("core-peers");
    expect(created.data).toEqual(first);
    expect(created.data?.peer_count).toBe("2");
    expect(created.metadata?.labels).toEqual({ "app.kubernetes.io/managed-by": "muster-agent" });

    expect(await writeConfigMap(target, ref, first)).toBe("unchanged");
    expect((await readBack("core-peers")).metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );

    // Someone else's key is kept.
    await apis.core.replaceNamespacedConfigMap({
      namespace: NAMESPACE,
      name: "core-peers",
      body: { ...created, data: { ...created.data, "operator-note": "keep me" } },
    });
    const second = peersData(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    expect(await writeConfigMap(target, ref, second)).toBe("updated");
    expect((await readBack("core-peers")).data).toEqual({ ...second, "operator-note": "keep me" });
  });

  it("reads again and retries when the ConfigMap changed between its read and its write", async () => {
    const target = await sidecarTarget();
    const ref = { namespace: NAMESPACE, name: "raced" };
    await writeConfigMap(target, ref, peersData(["10.0.0.1"]));
    let puts = 0;
    const outcome = await writeConfigMap(target, ref, peersData(["10.0.0.9"]), {
      send: async (t, method, path, body) => {
        if (method === "PUT" && ++puts === 1) {
          // Another writer gets in first: our PUT carries a stale resourceVersion.
          const current = await readBack("raced");
          await apis.core.replaceNamespacedConfigMap({
            namespace: NAMESPACE,
            name: "raced",
            body: { ...current, data: { ...current.data, other: "writer" } },
          });
        }
        return kubeRequest(t, method, path, body);
      },
    });
    expect(outcome).toBe("updated");
    expect(puts).toBe(2);
    expect((await readBack("raced")).data).toEqual({ ...peersData(["10.0.0.9"]), other: "writer" });
  });

  it("works with a Pod's service account, and names the verb RBAC forbids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-sa-"));
    try {
      await writeFile(join(dir, "token"), api.userTokens.reader as string);
      await writeFile(join(dir, "ca.crt"), api.caPem);
      await writeFile(join(dir, "namespace"), NAMESPACE);
      const target = findKubeTarget({
        env: {
          KUBERNETES_SERVICE_HOST: "127.0.0.1",
          KUBERNETES_SERVICE_PORT: new URL(api.server).port,
        },
        serviceAccountDir: dir,
      });
      expect(target.namespace).toBe(NAMESPACE);
      const err = await writeConfigMap(
        target,
        { namespace: NAMESPACE, name: "core-peers" },
        peersData(["10.9.9.9"]),
      ).catch((e) => e);
      expect(err).toBeInstanceOf(KubeForbiddenError);
      expect(err.message).toMatch(
        /^Kubernetes RBAC forbids update on configmaps "core-peers" in namespace "stellar"; grant the verb "update" on "configmaps"/,
      );
      const missing = await writeConfigMap(
        target,
        { namespace: NAMESPACE, name: "not-there" },
        peersData(["10.9.9.9"]),
      ).catch((e) => e);
      expect(missing).toBeInstanceOf(KubeForbiddenError);
      expect(missing.message).toMatch(/^Kubernetes RBAC forbids create on configmaps "not-there"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
