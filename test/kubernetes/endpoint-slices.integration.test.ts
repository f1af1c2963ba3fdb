import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import { KubeForbiddenError } from "../../shared/kube/api-error.js";
import type { SourceScan } from "../../shared/sources/discovered.js";
import { loadKubeConfig } from "../../shared/sources/kubernetes/kube-config.js";
import { listEndpointSlicesOnce } from "../../shared/sources/kubernetes/slice-list.js";
import {
  type SliceWatcher,
  type SliceWatcherOptions,
  watchEndpointSlices,
} from "../../shared/sources/kubernetes/slice-watcher.js";
import {
  type AdminApis,
  adminApis,
  createNamespace,
  createService,
  grantSliceReader,
  podEndpoint,
  START_TIMEOUT_MS,
  sliceBody,
} from "./cluster.js";

let api: KubeApiServer;
let apis: AdminApis;
const NO_SERVICE_ACCOUNT = "/nonexistent/serviceaccount";

beforeAll(async () => {
  api = await startKubeApiServer({ users: ["reader", "nobody", "late"] });
  apis = adminApis(api);
  for (const ns of ["shop", "other", "quiet"]) await createNamespace(apis, ns);
  await grantSliceReader(apis, "reader");
}, START_TIMEOUT_MS);
afterAll(async () => {
  await api?.stop();
});

const watchers: SliceWatcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
});

/** The user's credentials as `KUBECONFIG` names them: the path the source takes outside a cluster. */
async function configFor(user: string) {
  const path = await api.writeKubeconfig(user);
  return loadKubeConfig({ env: { KUBECONFIG: path }, serviceAccountDir: NO_SERVICE_ACCOUNT });
}

async function watcher(
  user: string,
  options: Omit<SliceWatcherOptions, "kubeConfig">,
): Promise<SliceWatcher> {
  const w = watchEndpointSlices({
    kubeConfig: await configFor(user),
    retryMs: { min: 100, max: 1_000 },
    ...options,
  });
  watchers.push(w);
  return w;
}

/** `service/id status address`, sorted, for the services a test made. */
function lines(scan: SourceScan, services: string[]): string[] {
  return scan.instances
    .filter((i) => services.includes(i.service))
    .map((i) => `${i.service}/${i.id} ${i.fields.status} ${i.fields.address}`)
    .sort();
}

const WAIT = { timeout: 15_000, interval: 50 };

describe("the EndpointSlice watcher against kube-apiserver", () => {
  it("follows slices created, an endpoint turning not ready, one removed and a Service renamed", async () => {
    await createService(apis, "shop", "web");
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-1", "web", [
        podEndpoint("shop", "web-a", "10.1.0.1"),
        podEndpoint("shop", "web-b", "10.1.0.2"),
      ]),
    });
    const w = await watcher("reader", { namespaces: ["shop"] });
    await w.ready;
    const seen = () => lines(w.snapshot().scan, ["web", "storefront"]);
    await vi.waitFor(
      () =>
        expect(seen()).toEqual([
          "web/shop.web-a passing 10.1.0.1:8080",
          "web/shop.web-b passing 10.1.0.2:8080",
        ]),
      WAIT,
    );
    const first = w.snapshot().scan.instances.find((i) => i.id === "shop.web-a");
    expect(first?.fields.metadata).toEqual({
      k8s_namespace: "shop",
      k8s_service: "web",
      k8s_pod: "web-a",
      k8s_node: "node-a",
      zone: "zone-1",
    });
    expect(w.snapshot().synced).toBe(true);

    const replace = async (endpoints: ReturnType<typeof podEndpoint>[]) => {
      const current = await apis.discovery.readNamespacedEndpointSlice({
        namespace: "shop",
        name: "web-1",
      });
      await apis.discovery.replaceNamespacedEndpointSlice({
        namespace: "shop",
        name: "web-1",
        body: { ...current, endpoints },
      });
    };
    await replace([
      podEndpoint("shop", "web-a", "10.1.0.1"),
      podEndpoint("shop", "web-b", "10.1.0.2", { ready: false, serving: true, terminating: false }),
    ]);
    await vi.waitFor(
      () =>
        expect(seen()).toEqual([
          "web/shop.web-a passing 10.1.0.1:8080",
          "web/shop.web-b warning 10.1.0.2:8080",
        ]),
      WAIT,
    );
    await replace([
      podEndpoint("shop", "web-a", "10.1.0.1", { ready: false, serving: true, terminating: true }),
      podEndpoint("shop", "web-b", "10.1.0.2", {
        ready: false,
        serving: false,
        terminating: false,
      }),
    ]);
    await vi.waitFor(
      () =>
        expect(seen()).toEqual([
          "web/shop.web-a critical 10.1.0.1:8080",
          "web/shop.web-b critical 10.1.0.2:8080",
        ]),
      WAIT,
    );
    await replace([podEndpoint("shop", "web-b", "10.1.0.2")]);
    await vi.waitFor(() => expect(seen()).toEqual(["web/shop.web-b passing 10.1.0.2:8080"]), WAIT);

    // The annotations rename the muster service and pick the port by name.
    const service = await apis.core.readNamespacedService({ namespace: "shop", name: "web" });
    await apis.core.replaceNamespacedService({
      namespace: "shop",
      name: "web",
      body: {
        ...service,
        metadata: {
          ...service.metadata,
          annotations: { "muster.io/service": "storefront", "muster.io/port": "admin" },
        },
      },
    });
    const slice = await apis.discovery.readNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
    });
    await apis.discovery.replaceNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
      body: {
        ...slice,
        ports: [
          { name: "http", port: 8080, protocol: "TCP" },
          { name: "admin", port: 9000, protocol: "TCP" },
        ],
      },
    });
    await vi.waitFor(
      () => expect(seen()).toEqual(["storefront/shop.web-b passing 10.1.0.2:9000"]),
      WAIT,
    );

    await apis.discovery.deleteNamespacedEndpointSlice({ namespace: "shop", name: "web-1" });
    await vi.waitFor(() => expect(seen()).toEqual([]), WAIT);
    expect(w.snapshot().synced).toBe(true);
  });

  it("filters by namespaces and by a label selector, and one list says what the watch says", async () => {
    await createService(apis, "shop", "cart");
    await createService(apis, "other", "cart");
    await createService(apis, "other", "stock");
    const create = (namespace: string, name: string, service: string, tier: string, ip: string) =>
      apis.discovery.createNamespacedEndpointSlice({
        namespace,
        body: sliceBody(name, service, [podEndpoint(namespace, `${service}-0`, ip)], undefined, {
          tier,
        }),
      });
    await create("shop", "cart-1", "cart", "front", "10.2.0.1");
    await create("other", "cart-1", "cart", "front", "10.2.0.2");
    await create("other", "stock-1", "stock", "back", "10.2.0.3");
    const ours = ["cart", "stock"];

    const both = await watcher("reader", { namespaces: ["shop", "other"] });
    const other = await watcher("reader", { namespaces: ["other"] });
    const fronts = await watcher("reader", { namespaces: [], labelSelector: "tier=front" });
    await Promise.all([both.ready, other.ready, fronts.ready]);
    await vi.waitFor(() => {
      expect(lines(both.snapshot().scan, ours)).toEqual([
        "cart/other.cart-0 passing 10.2.0.2:8080",
        "cart/shop.cart-0 passing 10.2.0.1:8080",
        "stock/other.stock-0 passing 10.2.0.3:8080",
      ]);
      expect(lines(other.snapshot().scan, ours)).toEqual([
        "cart/other.cart-0 passing 10.2.0.2:8080",
        "stock/other.stock-0 passing 10.2.0.3:8080",
      ]);
      expect(lines(fronts.snapshot().scan, ours)).toEqual([
        "cart/other.cart-0 passing 10.2.0.2:8080",
        "cart/shop.cart-0 passing 10.2.0.1:8080",
      ]);
    }, WAIT);

    // Pages of one slice each: the continue tokens are followed to the end.
    const kubeConfig = await configFor("reader");
    for (const [w, namespaces, labelSelector] of [
      [both, ["shop", "other"], undefined],
      [fronts, [], "tier=front"],
    ] as const) {
      const listed = await listEndpointSlicesOnce({
        kubeConfig,
        namespaces,
        labelSelector,
        pageSize: 1,
      });
      expect(lines(listed, ours)).toEqual(lines(w.snapshot().scan, ours));
    }
  });

  it("reads the credentials of a Pod's service account in a cluster", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-sa-"));
    try {
      await writeFile(join(dir, "token"), `${api.userTokens.reader}\n`);
      await writeFile(join(dir, "ca.crt"), api.caPem);
      await writeFile(join(dir, "namespace"), "shop");
      const port = new URL(api.server).port;
      const kubeConfig = loadKubeConfig({
        env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port },
        serviceAccountDir: dir,
      });
      await createService(apis, "quiet", "solo");
      await apis.discovery.createNamespacedEndpointSlice({
        namespace: "quiet",
        body: sliceBody("solo-1", "solo", [podEndpoint("quiet", "solo-0", "10.3.0.1")]),
      });
      const scan = await listEndpointSlicesOnce({ kubeConfig, namespaces: ["quiet"] });
      expect(lines(scan, ["solo"])).toEqual(["solo/quiet.solo-0 passing 10.3.0.1:8080"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names the verb and the resource RBAC forbids, and catches up once it is granted", async () => {
    const kubeConfig = await configFor("nobody");
    const refused = await listEndpointSlicesOnce({ kubeConfig, namespaces: [] }).catch((e) => e);
    expect(refused).toBeInstanceOf(KubeForbiddenError);
    expect(refused.message).toMatch(
      /^Kubernetes RBAC forbids list on endpointslices\.discovery\.k8s\.io in every namespace \(cluster scope\); grant the verb "list" on "endpointslices\.discovery\.k8s\.io" to these credentials: .*User "nobody" cannot list resource "endpointslices"/,
    );

    const w = await watcher("late", { namespaces: ["shop"] });
    await vi.waitFor(() => expect(w.snapshot().errors.length).toBe(2), WAIT);
    const { synced, errors, scan } = w.snapshot();
    expect(synced).toBe(false);
    expect(scan.instances).toEqual([]);
    expect(errors.every((e) => e instanceof KubeForbiddenError)).toBe(true);
    expect(errors.map((e) => e.message.split(";")[0]).sort()).toEqual([
      'Kubernetes RBAC forbids list on endpointslices.discovery.k8s.io in namespace "shop"',
      'Kubernetes RBAC forbids list on services in namespace "shop"',
    ]);

    await createService(apis, "shop", "late");
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("late-1", "late", [podEndpoint("shop", "late-0", "10.4.0.1")]),
    });
    await grantSliceReader(apis, "late", "shop");
    await w.ready;
    await vi.waitFor(() => {
      expect(w.snapshot().synced).toBe(true);
      expect(lines(w.snapshot().scan, ["late"])).toEqual([
        "late/shop.late-0 passing 10.4.0.1:8080",
      ]);
    }, WAIT);
    expect(w.snapshot().errors).toEqual([]);
  });
});
