import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
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
export const sliceLists = (api: KubeApiServer) => requests(api, "endpointslices", "LIST", 200);

/** How many requests for `resource` with `verb` the API server answered with `code`. */
export async function requests(
  api: KubeApiServer,
  resource: string,
  verb: string,
  code: number,
): Promise<number> {
  const metrics = await adminGet(api, "/metrics");
  let total = 0;
  for (const line of metrics.split("\n")) {
    if (
      line.startsWith("apiserver_request_total{") &&
      line.includes(`resource="${resource}"`) &&
      line.includes(`verb="${verb}"`) &&
      line.includes(`code="${code}"`)
    ) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** A bearer token of a ServiceAccount, signed by the API server (TokenRequest), for an hour. */
export async function serviceAccountToken(
  apis: AdminApis,
  namespace: string,
  name: string,
): Promise<string> {
  const request = await apis.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return request.status?.token as string;
}

/** A kubeconfig file (JSON, which is YAML) for `token`, in `dir`: what KUBECONFIG names. */
export async function tokenKubeconfig(
  api: KubeApiServer,
  dir: string,
  name: string,
  token: string,
): Promise<string> {
  const path = join(dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "test", cluster: { server: api.server, "certificate-authority-data": api.caData } },
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: "test", user: name } }],
    "current-context": name,
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/**
 * Creates each document of a manifest as the admin, with strict field validation: a field the
 * API does not know (a typo in an example) is refused, not dropped with a warning.
 */
export async function applyStrict(api: KubeApiServer, docs: unknown[]): Promise<void> {
  for (const doc of docs) {
    const o = doc as { apiVersion: string; kind: string; metadata: { namespace?: string } };
    const base = o.apiVersion === "v1" ? "/api/v1" : `/apis/${o.apiVersion}`;
    const scope = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : "";
    const path = `${base}${scope}/${o.kind.toLowerCase()}s?fieldValidation=Strict`;
    const { status, body } = await adminRequest(api, "POST", path, doc);
    if (status !== 201) throw new Error(`POST ${path}: ${status} ${body}`);
  }
}

/** One request as the admin, for what no typed client says as wanted (raw JSON, query flags). */
export function adminRequest(
  api: KubeApiServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.server}${path}`,
      {
        method,
        ca: api.caPem,
        headers: {
          authorization: `Bearer ${api.adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${path}: timeout`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Replaces a slice's endpoints, as the EndpointSlice controller does when Pods change. */
export async function setEndpoints(
  apis: AdminApis,
  namespace: string,
  name: string,
  endpoints: V1Endpoint[],
): Promise<void> {
  const current = await apis.discovery.readNamespacedEndpointSlice({ namespace, name });
  await apis.discovery.replaceNamespacedEndpointSlice({
    namespace,
    name,
    body: { ...current, endpoints },
  });
}

/** Sets a Service's annotations (muster.io/service, muster.io/port). */
export async function annotateService(
  apis: AdminApis,
  namespace: string,
  name: string,
  annotations: Record<string, string>,
): Promise<void> {
  const service = await apis.core.readNamespacedService({ namespace, name });
  await apis.core.replaceNamespacedService({
    namespace,
    name,
    body: { ...service, metadata: { ...service.metadata, annotations } },
  });
}
