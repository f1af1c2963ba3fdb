import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
  Watch,
} from "@kubernetes/client-node";
import type { SourceScan } from "../discovered.js";
import { mapEndpointSlices, type ServiceLike, serviceKey } from "./endpoint-slices.js";
import { KeptListWatch } from "./kept-list-watch.js";

export const ENDPOINT_SLICES = "endpointslices.discovery.k8s.io";

export interface SliceWatcherOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty: every namespace (the credentials must list cluster-wide). */
  namespaces: readonly string[];
  /** A Kubernetes label selector for the EndpointSlices (`app=web,tier!=cache`). */
  labelSelector?: string;
  /** After the slices, the Services or the health changed (coalesced). */
  onChange?: () => void;
  onError?: (err: Error) => void;
  retryMs?: { min: number; max: number };
}

/** What the watcher knows now. */
export interface SliceSnapshot {
  scan: SourceScan;
  /**
   * Every list has answered and no watch is failing: the scan is the cluster's current state.
   * While false the scan is what was last known, and must not remove anything.
   */
  synced: boolean;
  /** The failures of the lists and watches that are failing now. */
  errors: Error[];
}

export interface SliceWatcher {
  /**
   * Resolves when every namespace's slices and Services have been listed once: never while RBAC
   * refuses a list, so a long-lived caller follows `snapshot()` and `onChange` rather than wait.
   */
  ready: Promise<void>;
  snapshot(): SliceSnapshot;
  stop(): Promise<void>;
}

/**
 * Follows the EndpointSlices (and their Services, whose annotations name the muster service and
 * port) of some namespaces, or of all, with the official client: one list, then a watch from its
 * resource version, per namespace and kind; restarted after errors; the mapping to instances is
 * done on demand from the caches.
 */
export function watchEndpointSlices(options: SliceWatcherOptions): SliceWatcher {
  const discovery = options.kubeConfig.makeApiClient(DiscoveryV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(options.kubeConfig);
  const onChange = options.onChange ?? (() => {});
  const onError = options.onError ?? (() => {});
  const { labelSelector, retryMs } = options;
  const namespaces = options.namespaces.length > 0 ? options.namespaces : [undefined];

  const slices = namespaces.map(
    (namespace) =>
      new KeptListWatch<V1EndpointSlice>({
        path: namespace
          ? `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`
          : "/apis/discovery.k8s.io/v1/endpointslices",
        watch,
        list: () =>
          namespace
            ? discovery.listNamespacedEndpointSlice({ namespace, labelSelector })
            : discovery.listEndpointSliceForAllNamespaces({ labelSelector }),
        labelSelector,
        request: { resource: ENDPOINT_SLICES, namespace },
        onChange,
        onError,
        retryMs,
      }),
  );
  // Services unfiltered: a selector chosen for the slices need not match their Services.
  const services = namespaces.map(
    (namespace) =>
      new KeptListWatch<V1Service>({
        path: namespace
          ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/services`
          : "/api/v1/services",
        watch,
        list: () =>
          namespace
            ? core.listNamespacedService({ namespace })
            : core.listServiceForAllNamespaces({}),
        request: { resource: "services", namespace },
        onChange,
        onError,
        retryMs,
      }),
  );
  const all = [...slices, ...services];
  const ready = Promise.all(all.map((informer) => informer.start())).then(() => undefined);

  return {
    ready,
    snapshot() {
      const byKey = new Map<string, ServiceLike>();
      for (const informer of services) {
        for (const service of informer.list()) {
          const { name, namespace } = service.metadata ?? {};
          if (name && namespace) byKey.set(serviceKey(namespace, name), service);
        }
      }
      const scan = mapEndpointSlices(
        slices.flatMap((informer) => informer.list()),
        byKey,
      );
      const errors = all.flatMap((informer) => (informer.error ? [informer.error] : []));
      return { scan, synced: all.every((informer) => informer.synced), errors };
    },
    async stop() {
      await Promise.all(all.map((informer) => informer.stop()));
    },
  };
}
