import { request } from "node:https";
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Endpoint,
  type V1EndpointSlice,
} from "@kubernetes/client-node";
import type { KubeApiServer } from "../../scripts/engines/kube-apiserver.js";

/** kube-apiserver takes ~20 s to answer /readyz on a quiet machine; allow for a loaded one. */
export const START_TIMEOUT_MS = 180_000;

/** The admin's clients, to set the cluster up as a test needs it. */
export function adminApis(api: KubeApiServer) {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  return {
    core: kc.makeApiClient(CoreV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}
export type AdminApis = ReturnType<typeof adminApis>;

export async function createNamespace(apis: AdminApis, name: string): Promise<void> {
  await apis.core.createNamespace({ body: { metadata: { name } } });
}

export async function createService(
  apis: AdminApis,
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
): Promise<void> {
  await apis.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, annotations, labels },
      // Headless: no ClusterIP to allocate; the slices are what is discovered.
      spec: { clusterIP: "None", ports: [{ name: "http", port: 80 }] },
    },
  });
}

/** A Pod endpoint as the EndpointSlice controller writes it. */
export function podEndpoint(
  namespace: string,
  pod: string,
  address: string,
  conditions: V1Endpoint["conditions"] = { ready: true, serving: true, terminating: false },
): V1Endpoint {
  return {
    addresses: [address],
    conditions,
    nodeName: "node-a",
    zone: "zone-1",
    targetRef: { kind: "Pod", name: pod, namespace },
  };
}

export function sliceBody(
  name: string,
  service: string,
  endpoints: V1Endpoint[],
  ports: { name: string; port: number }[] = [{ name: "http", port: 8080 }],
  labels: Record<string, string> = {},
): V1EndpointSlice {
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/service-name": service,
        "endpointslice.kubernetes.io/managed-by": "muster-tests",
        ...labels,
      },
    },
    addressType: "IPv4",
    endpoints,
    ports: ports.map((p) => ({ ...p, protocol: "TCP" })),
  };
}

/** Grants `user` the verbs on endpointslices and services in `namespace` (or cluster-wide). */
export async function grantSliceReader(
  apis: AdminApis,
  user: string,
  namespace?: string,
): Promise<void> {
  const rules = [
    {
      apiGroups: ["discovery.k8s.io"],
      resources: ["endpointslices"],
      verbs: ["list", "watch"],
    },
    { apiGroups: [""], resources: ["services"], verbs: ["list", "watch"] },
  ];
  const name = `muster-slice-reader-${user}`;
  const subjects = [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }];
  if (namespace) {
    await apis.rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
    await apis.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects,
      },
    });
    return;
  }
  await apis.rbac.createClusterRole({ body: { metadata: { name }, rules } });
  await apis.rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects,
    },
  });
}

/** A GET as the admin, for what no typed client reads (`/metrics`). */
export function adminGet(api: KubeApiServer, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.server}${path}`,
      { ca: api.caPem, headers: { authorization: `Bearer ${api.adminToken}` }, timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

/** How many LISTs of EndpointSlices the API server has answered with 200, from its own metrics. */
export async function sliceLists(api: KubeApiServer): Promise<number> {
  const metrics = await adminGet(api, "/metrics");
  let total = 0;
  for (const line of metrics.split("\n")) {
    if (
      line.startsWith("apiserver_request_total{") &&
      line.includes('resource="endpointslices"') &&
      line.includes('verb="LIST"') &&
      line.includes('code="200"')
    ) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}
