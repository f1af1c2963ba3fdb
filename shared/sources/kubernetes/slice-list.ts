import {
  ApiException,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from "@kubernetes/client-node";
import { type KubeRequest, kubeApiError } from "../../kube/api-error.js";
import { MAX_PAGES, type SourceScan, TooManyPagesError } from "../discovered.js";
import { mapEndpointSlices, type ServiceLike, serviceKey } from "./endpoint-slices.js";
import { ENDPOINT_SLICES } from "./slice-watcher.js";

export interface SliceListOptions {
  kubeConfig: KubeConfig;
  namespaces: readonly string[];
  labelSelector?: string;
  /** Items per page (the API's `limit`); default 500. */
  pageSize?: number;
}

type Page<T> = { items: T[]; metadata?: { _continue?: string } };

async function allPages<T>(
  fetchPage: (cont: string | undefined) => Promise<Page<T>>,
  request: KubeRequest,
): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let answer: Page<T>;
    try {
      answer = await fetchPage(cont);
    } catch (err) {
      throw err instanceof ApiException ? kubeApiError(err.code, err.body, request) : err;
    }
    items.push(...answer.items);
    cont = answer.metadata?._continue || undefined;
    if (!cont) return items;
  }
  throw new TooManyPagesError(`listing ${request.resource} returned more than ${MAX_PAGES} pages`);
}

/**
 * One list of the EndpointSlices and Services, mapped to instances: what a process that does not
 * stay up to watch (the scheduled reconciler) reads on each pass. Throws a KubeApiError (a
 * KubeForbiddenError for RBAC) when any list fails: a partial answer is never a scan.
 */
export async function listEndpointSlicesOnce(options: SliceListOptions): Promise<SourceScan> {
  const discovery = options.kubeConfig.makeApiClient(DiscoveryV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const limit = options.pageSize ?? 500;
  const { labelSelector } = options;
  const namespaces = options.namespaces.length > 0 ? options.namespaces : [undefined];
  const slices: V1EndpointSlice[] = [];
  const services = new Map<string, ServiceLike>();
  for (const namespace of namespaces) {
    const sliceRequest = { verb: "list", resource: ENDPOINT_SLICES, namespace };
    slices.push(
      ...(await allPages(
        (_continue) =>
          namespace
            ? discovery.listNamespacedEndpointSlice({ namespace, labelSelector, limit, _continue })
            : discovery.listEndpointSliceForAllNamespaces({ labelSelector, limit, _continue }),
        sliceRequest,
      )),
    );
    const found: V1Service[] = await allPages(
      (_continue) =>
        namespace
          ? core.listNamespacedService({ namespace, limit, _continue })
          : core.listServiceForAllNamespaces({ limit, _continue }),
      { verb: "list", resource: "services", namespace },
    );
    for (const service of found) {
      const { name, namespace: ns } = service.metadata ?? {};
      if (name && ns) services.set(serviceKey(ns, name), service);
    }
  }
  return mapEndpointSlices(slices, services);
}
