import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import type { Instance } from "../../shared/model/instance.js";
import { loadKubeConfig } from "../../shared/sources/kubernetes/kube-config.js";
import {
  type SliceWatcher,
  watchEndpointSlices,
} from "../../shared/sources/kubernetes/slice-watcher.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
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
let server: LocalServer | undefined;
let dir: string;
const TOKEN = "kube-restart-test-token-0123456789";

beforeAll(async () => {
  api = await startKubeApiServer();
  apis = adminApis(api);
  await createNamespace(apis, "shop");
  await createService(apis, "shop", "web");
  dir = await mkdtemp(join(tmpdir(), "muster-kube-restart-"));
}, START_TIMEOUT_MS);
afterAll(async () => {
  await watcher?.stop();
  if (server) await stopLocal(server);
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What `muster serve` lists of service web, `id status`. */
async function served(s: LocalServer): Promise<string[]> {
  const res = await fetch(`${s.url}/v1/services/web/instances`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { instances } = (await res.json()) as { instances: Instance[] };
  return instances.map((i) => `${i.id} ${i.status}`).sort();
}

const ids = (w: SliceWatcher) =>
  w
    .snapshot()
    .scan.instances.map((i) => `${i.id} ${i.fields.status}`)
    .sort();

it(
  "keeps what it knew while the API server restarts, then catches up with what changed (the watcher, and muster serve)",
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
    // The registry too, with a reconcile interval of an hour: only its watch can catch up.
    server = await startLocal({
      MUSTER_K8S_DISCOVERY: "true",
      MUSTER_K8S_NAMESPACE: "shop",
      MUSTER_RECONCILE_INTERVAL: "3600",
      MUSTER_TOKENS: TOKEN,
      MUSTER_DATA_DIR: join(dir, "data"),
      KUBECONFIG: api.kubeconfig,
    });
    const s = server;
    await w.ready;
    await vi.waitFor(
      async () => {
        expect(ids(w)).toEqual(["shop.web-a passing"]);
        expect(await served(s)).toEqual(["shop.web-a passing"]);
      },
      { timeout: 15_000, interval: 100 },
    );

    await api.restart();
    // The watches broke and failed to reconnect while it was down; nothing known was dropped.
    expect(errors.length).toBeGreaterThan(0);
    expect(ids(w)).toEqual(["shop.web-a passing"]);
    expect(await served(s)).toEqual(["shop.web-a passing"]);

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
      async () => {
        expect(ids(w)).toEqual(["shop.web-a warning", "shop.web-b passing"]);
        expect(w.snapshot().synced).toBe(true);
        expect(await served(s)).toEqual(["shop.web-a warning", "shop.web-b passing"]);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(w.snapshot().errors).toEqual([]);
    const health = await fetch(`${s.url}/v1/discovery/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await health.json()).toMatchObject({
      sources: [{ name: "kubernetes", enabled: true, ok: true, error: null, instances: 2 }],
    });
  },
  START_TIMEOUT_MS,
);
