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
} from "./cluster.js";

// Its own API server: this file stops and starts it.
let api: KubeApiServer;
let apis: AdminApis;
let watcher: SliceWatcher | undefined;

beforeAll(async () => {
  api = await startKubeApiServer();
  apis = adminApis(api);
  await createNamespace(apis, "shop");
  await createService(apis, "shop", "web");
}, START_TIMEOUT_MS);
afterAll(async () => {
  await watcher?.stop();
  await api?.stop();
});

const ids = (w: SliceWatcher) =>
  w
    .snapshot()
    .scan.instances.map((i) => `${i.id} ${i.fields.status}`)
    .sort();

it(
  "keeps what it knew while the API server restarts, then catches up with what changed",
  async () => {
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-1", "web", [podEndpoint("shop", "web-a", "10.1.0.1")]),
    });
    const errors: Error[] = [];
    watcher = watchEndpointSlices({
      kubeConfig: loadKubeConfig({
        env: { KUBECONFIG: api.kubeconfig },
        serviceAccountDir: "/nonexistent/serviceaccount",
      }),
      namespaces: ["shop"],
      retryMs: { min: 100, max: 1_000 },
      onError: (err) => errors.push(err),
    });
    const w = watcher;
    await w.ready;
    await vi.waitFor(() => expect(ids(w)).toEqual(["shop.web-a passing"]), { timeout: 15_000 });

    await api.restart();
    // The watches broke and failed to reconnect while it was down; nothing known was dropped.
    expect(errors.length).toBeGreaterThan(0);
    expect(ids(w)).toEqual(["shop.web-a passing"]);

    // Changes after the restart: one endpoint not ready, and a second slice.
    const slice = await apis.discovery.readNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
    });
    await apis.discovery.replaceNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
      body: {
        ...slice,
        endpoints: [
          podEndpoint("shop", "web-a", "10.1.0.1", {
            ready: false,
            serving: true,
            terminating: false,
          }),
        ],
      },
    });
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-2", "web", [podEndpoint("shop", "web-b", "10.1.0.2")]),
    });
    await vi.waitFor(
      () => {
        expect(ids(w)).toEqual(["shop.web-a warning", "shop.web-b passing"]);
        expect(w.snapshot().synced).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(w.snapshot().errors).toEqual([]);
  },
  START_TIMEOUT_MS,
);
