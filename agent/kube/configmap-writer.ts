import { KubeApiError, type KubeRequest, kubeApiError } from "../../shared/kube/api-error.js";
import { type KubeAnswer, kubeRequest } from "./kube-http.js";
import type { KubeTarget } from "./kubeconfig.js";

/** A ConfigMap's namespace and name. */
export interface ConfigMapRef {
  namespace: string;
  name: string;
}

/** A namespace is a DNS label; a ConfigMap's name a DNS subdomain. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `NAMESPACE/NAME`, or `NAME` alone when a default namespace is known (the Pod's own). */
export function parseConfigMapRef(text: string, defaultNamespace?: string): ConfigMapRef {
  const [first, second, ...rest] = text.split("/");
  const namespace = second === undefined ? defaultNamespace : first;
  const name = second === undefined ? first : second;
  if (rest.length > 0 || !namespace || !name) {
    throw new Error(`${JSON.stringify(text)}: give the ConfigMap as NAMESPACE/NAME`);
  }
  if (!NAMESPACE.test(namespace))
    throw new Error(`${JSON.stringify(namespace)} is not a Kubernetes namespace name`);
  if (!NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a ConfigMap name`);
  return { namespace, name };
}

export type WriteOutcome = "created" | "updated" | "unchanged";

export interface WriteOptions {
  /** Tries in all when another writer changes the ConfigMap in between; default 5. */
  attempts?: number;
  send?: typeof kubeRequest;
}

interface ConfigMap {
  metadata?: { resourceVersion?: string; [key: string]: unknown };
  data?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * Makes the ConfigMap hold `data`'s keys with `data`'s values: created if absent, else replaced
 * with the resource version it was read at (so a write between our read and ours is a conflict,
 * and we read again), and not written at all when every key already holds its value. Keys of
 * the ConfigMap that `data` does not name are kept. RBAC: get, create and update on configmaps.
 */
export async function writeConfigMap(
  target: KubeTarget,
  ref: ConfigMapRef,
  data: Readonly<Record<string, string>>,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  const send = options.send ?? kubeRequest;
  const attempts = options.attempts ?? 5;
  const collection = `/api/v1/namespaces/${ref.namespace}/configmaps`;
  const path = `${collection}/${ref.name}`;
  const request = (verb: string): KubeRequest => ({
    verb,
    resource: "configmaps",
    namespace: ref.namespace,
    name: ref.name,
  });
  const fail = (answer: KubeAnswer, verb: string) =>
    kubeApiError(answer.status, answer.body, request(verb));

  for (let attempt = 1; attempt <= attempts; attempt++) {
    const read = await send(target, "GET", path);
    if (read.status === 404) {
      const created = await send(target, "POST", collection, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          labels: { "app.kubernetes.io/managed-by": "muster-agent" },
        },
        data,
      });
      if (created.status === 201 || created.status === 200) return "created";
      if (created.status === 409) continue; // made by someone else meanwhile: read it
      throw fail(created, "create");
    }
    if (read.status !== 200) throw fail(read, "get");
    const current = read.body as ConfigMap;
    const have = current.data ?? {};
    if (Object.entries(data).every(([key, value]) => have[key] === value)) return "unchanged";
    const replaced = await send(target, "PUT", path, { ...current, data: { ...have, ...data } });
    if (replaced.status === 200) return "updated";
    if (replaced.status === 409) continue; // changed since our read: read again
    throw fail(replaced, "update");
  }
  throw new KubeApiError(
    409,
    "Conflict",
    request("update"),
    `configmap ${ref.namespace}/${ref.name} changed under every one of ${attempts} writes; giving up`,
  );
}
