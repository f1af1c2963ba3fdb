import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { loadAll } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeConfigMap } from "../../agent/kube/configmap-writer.js";
import { findKubeTarget } from "../../agent/kube/kubeconfig.js";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import { KubeForbiddenError } from "../../shared/kube/api-error.js";
import { loadKubeConfig } from "../../shared/sources/kubernetes/kube-config.js";
import { listEndpointSlicesOnce } from "../../shared/sources/kubernetes/slice-list.js";
import { watchEndpointSlices } from "../../shared/sources/kubernetes/slice-watcher.js";
import {
  type AdminApis,
  adminApis,
  createNamespace,
  createService,
  podEndpoint,
  START_TIMEOUT_MS,
  sliceBody,
} from "./cluster.js";

// The RBAC of examples/k8s, applied as written, and exercised with real service-account tokens
// (TokenRequest, signed by the API server): what the examples grant is exactly enough.
let api: KubeApiServer;
let apis: AdminApis;
const dirs: string[] = [];

beforeAll(async () => {
  api = await startKubeApiServer({ users: [] });
  apis = adminApis(api);
  for (const ns of ["muster", "shop", "stellar"]) await createNamespace(apis, ns);
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (const file of ["source-rbac.yaml", "stellar-configmap-rbac.yaml"]) {
    const text = await readFile(new URL(`../../examples/k8s/${file}`, import.meta.url), "utf8");
    for (const doc of loadAll(text)) await objects.create(doc as KubernetesObject);
  }
}, START_TIMEOUT_MS);
afterAll(async () => {
  await api?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A service-account mount as the kubelet makes it: a fresh token, the CA, the namespace. */
async function mountFor(namespace: string, name: string): Promise<string> {
  const request = await apis.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const dir = await mkdtemp(join(tmpdir(), "muster-sa-"));
  dirs.push(dir);
  await writeFile(join(dir, "token"), request.status?.token as string);
  await writeFile(join(dir, "ca.crt"), api.caPem);
  await writeFile(join(dir, "namespace"), namespace);
  return dir;
}

const inCluster = () => ({
  KUBERNETES_SERVICE_HOST: "127.0.0.1",
  KUBERNETES_SERVICE_PORT: new URL(api.server).port,
});

describe("examples/k8s against kube-apiserver", () => {
  it("source-rbac.yaml lets the muster ServiceAccount follow the slices of its namespace, no more", async () => {
    await createService(apis, "shop", "web");
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-1", "web", [podEndpoint("shop", "web-a", "10.1.0.1")]),
    });
    const kubeConfig = loadKubeConfig({
      env: inCluster(),
      serviceAccountDir: await mountFor("muster", "muster"),
    });
    const watcher = watchEndpointSlices({ kubeConfig, namespaces: ["shop"] });
    try {
      await watcher.ready;
      await vi.waitFor(
        () =>
          expect(watcher.snapshot().scan.instances.map((i) => `${i.service}/${i.id}`)).toEqual([
            "web/shop.web-a",
          ]),
        { timeout: 15_000, interval: 50 },
      );
      expect(watcher.snapshot().synced).toBe(true);
    } finally {
      await watcher.stop();
    }
    const clusterWide = await listEndpointSlicesOnce({ kubeConfig, namespaces: [] }).catch(
      (e) => e,
    );
    expect(clusterWide).toBeInstanceOf(KubeForbiddenError);
    expect(clusterWide.message).toMatch(
      /^Kubernetes RBAC forbids list on endpointslices\.discovery\.k8s\.io in every namespace \(cluster scope\)/,
    );
  });

  it("stellar-configmap-rbac.yaml lets the validator write stellar-peers, and no other ConfigMap", async () => {
    const target = findKubeTarget({
      env: inCluster(),
      serviceAccountDir: await mountFor("stellar", "stellar-validator"),
    });
    const ref = { namespace: "stellar", name: "stellar-peers" };
    expect(
      await writeConfigMap(target, ref, { peer_count: "1", "peers.txt": "10.0.0.1:11625" }),
    ).toBe("created");
    expect(
      await writeConfigMap(target, ref, {
        peer_count: "2",
        "peers.txt": "10.0.0.1:11625\n10.0.0.2:11625",
      }),
    ).toBe("updated");
    const stored = await apis.core.readNamespacedConfigMap(ref);
    expect(stored.data).toEqual({ peer_count: "2", "peers.txt": "10.0.0.1:11625\n10.0.0.2:11625" });

    const other = await writeConfigMap(
      target,
      { namespace: "stellar", name: "other" },
      { a: "b" },
    ).catch((e) => e);
    expect(other).toBeInstanceOf(KubeForbiddenError);
    expect(other.message).toMatch(
      /^Kubernetes RBAC forbids get on configmaps "other" in namespace "stellar"/,
    );
  });
});
