import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import { loadKubeConfig } from "../../shared/sources/kubernetes/kube-config.js";
import {
  type SliceWatcher,
  watchEndpointSlices,
} from "../../shared/sources/kubernetes/slice-watcher.js";
import {
  type AdminApis,
  adminApis,
  createNamespace,
  createService,
  podEndpoint,
  START_TIMEOUT_MS,
  sliceBody,
  sliceLists,
} from "./cluster.js";
import { type CutProxy, startCutProxy } from "./cut-proxy.js";

// Watches served by etcd itself (no watch cache), so that compacting etcd makes a watch from an
// older resource version fail with 410 Gone, as it does on a busy cluster after a long outage.
let api: KubeApiServer;
let apis: AdminApis;
let proxy: CutProxy;
let watcher: SliceWatcher | undefined;

beforeAll(async () => {
  api = await startKubeApiServer({ extraArgs: ["--watch-cache=false"] });
  apis = adminApis(api);
  await createNamespace(apis, "shop");
  await createService(apis, "shop", "web");
  proxy = await startCutProxy(Number(new URL(api.server).port));
}, START_TIMEOUT_MS);
afterAll(async () => {
  await watcher?.stop();
  await proxy?.close();
  await api?.stop();
});

/** Compacts etcd's history up to its current revision, through etcd's v3 JSON gateway. */
async function compactEtcd(): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${api.etcd}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { header?: { revision?: string } };
  };
  const status = await post("/v3/kv/range", { key: Buffer.from("/").toString("base64") });
  await post("/v3/kv/compaction", { revision: status.header?.revision, physical: true });
}

const ids = (w: SliceWatcher) =>
  w
    .snapshot()
    .scan.instances.map((i) => i.id)
    .sort();

it(
  "lists again when the resource version it watched from is gone (410), and sees what was deleted meanwhile",
  async () => {
    for (const [name, pod, ip] of [
      ["web-1", "web-a", "10.1.0.1"],
      ["web-2", "web-b", "10.1.0.2"],
    ]) {
      await apis.discovery.createNamespacedEndpointSlice({
        namespace: "shop",
        body: sliceBody(name as string, "web", [podEndpoint("shop", pod as string, ip as string)]),
      });
    }
    const kubeconfig = JSON.parse(await readFile(api.kubeconfig, "utf8"));
    kubeconfig.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
    const path = `${api.kubeconfig}.proxied`;
    await writeFile(path, JSON.stringify(kubeconfig), { mode: 0o600 });
    const errors: Error[] = [];
    watcher = watchEndpointSlices({
      kubeConfig: loadKubeConfig({
        env: { KUBECONFIG: path },
        serviceAccountDir: "/nonexistent/sa",
      }),
      namespaces: ["shop"],
      retryMs: { min: 100, max: 500 },
      onError: (err) => errors.push(err),
    });
    const w = watcher;
    await w.ready;
    await vi.waitFor(() => expect(ids(w)).toEqual(["shop.web-a", "shop.web-b"]), {
      timeout: 15_000,
    });

    proxy.cut();
    await vi.waitFor(() => expect(w.snapshot().synced).toBe(false), { timeout: 15_000 });
    await apis.discovery.deleteNamespacedEndpointSlice({ namespace: "shop", name: "web-1" });
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-3", "web", [podEndpoint("shop", "web-c", "10.1.0.3")]),
    });
    await compactEtcd();
    // Cut off, it still answers with what it knew.
    expect(ids(w)).toEqual(["shop.web-a", "shop.web-b"]);
    const listsBefore = await sliceLists(api);

    proxy.restore();
    await vi.waitFor(
      () => {
        expect(ids(w)).toEqual(["shop.web-b", "shop.web-c"]);
        expect(w.snapshot().synced).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(errors.length).toBeGreaterThan(0);
    // Caught up by a new list: the watch from the old resource version was refused with 410.
    expect(await sliceLists(api)).toBeGreaterThan(listsBefore);
  },
  START_TIMEOUT_MS,
);
