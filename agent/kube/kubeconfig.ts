import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { load } from "js-yaml";
import { type FindOptions, findKubeCredentials } from "../../shared/kube/credentials.js";

/** How to reach and authenticate to one API server. */
export interface KubeTarget {
  server: string;
  /** PEM; absent: the system's trusted CAs. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** Read on each request: the kubelet rotates a service account's token file. */
  token?: () => string;
  cert?: string;
  key?: string;
  /** The context's (or the Pod's) namespace, if it says one. */
  namespace?: string;
}

export class KubeconfigError extends Error {
  override readonly name = "KubeconfigError";
}

type Named<T> = { name?: string } & T;
interface Kubeconfig {
  "current-context"?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** The files merged as kubectl merges them: the first file that names a thing wins. */
function merge(paths: readonly string[]) {
  const clusters = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const users = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const contexts = new Map<string, { cluster?: string; user?: string; namespace?: string }>();
  let current: string | undefined;
  for (const path of paths) {
    let doc: Kubeconfig;
    try {
      doc = (load(readFileSync(path, "utf8")) ?? {}) as Kubeconfig;
    } catch (err) {
      throw new KubeconfigError(`${path}: ${(err as Error).message}`);
    }
    const dir = dirname(resolve(path));
    current ??= text(doc["current-context"]);
    for (const c of doc.clusters ?? [])
      if (c.name && !clusters.has(c.name)) clusters.set(c.name, { value: c.cluster ?? {}, dir });
    for (const u of doc.users ?? [])
      if (u.name && !users.has(u.name)) users.set(u.name, { value: u.user ?? {}, dir });
    for (const c of doc.contexts ?? [])
      if (c.name && !contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
  }
  return { clusters, users, contexts, current };
}

/** `<key>-data` (base64) or `<key>` (a file, relative to its kubeconfig). */
function dataOrFile(entry: { value: Record<string, unknown>; dir: string }, key: string) {
  const data = text(entry.value[`${key}-data`]);
  if (data) return Buffer.from(data, "base64").toString("utf8");
  const file = text(entry.value[key]);
  if (!file) return undefined;
  return readFileSync(isAbsolute(file) ? file : resolve(entry.dir, file), "utf8");
}

/** The current context of the kubeconfig files as a target; token and certificates only. */
export function kubeconfigTarget(paths: readonly string[]): KubeTarget {
  const { clusters, users, contexts, current } = merge(paths);
  const where = paths.join(", ");
  if (!current) throw new KubeconfigError(`${where}: no current-context`);
  const context = contexts.get(current);
  if (!context) throw new KubeconfigError(`${where}: no context named ${current}`);
  const cluster = context.cluster ? clusters.get(context.cluster) : undefined;
  const server = cluster && text(cluster.value.server);
  if (!cluster || !server) {
    throw new KubeconfigError(`${where}: context ${current} has no cluster with a server`);
  }
  const target: KubeTarget = {
    server: server.replace(/\/+$/, ""),
    ca: dataOrFile(cluster, "certificate-authority"),
    insecureSkipTlsVerify: cluster.value["insecure-skip-tls-verify"] === true,
    tlsServerName: text(cluster.value["tls-server-name"]),
    namespace: context.namespace,
  };
  const user = context.user ? users.get(context.user) : undefined;
  if (user) {
    if (user.value.exec || user.value["auth-provider"]) {
      // Running a credential plugin is more than a sidecar that writes one ConfigMap needs; in a
      // cluster the Pod's service account is used, outside one a token or certificate works.
      throw new KubeconfigError(
        `${where}: user ${context.user} authenticates with a credential plugin (exec or auth-provider), ` +
          "which muster-agent does not run; give it a token or a client certificate",
      );
    }
    const token = text(user.value.token);
    const tokenFile = text(user.value.tokenFile);
    if (token) target.token = () => token;
    else if (tokenFile) {
      const file = isAbsolute(tokenFile) ? tokenFile : resolve(user.dir, tokenFile);
      target.token = () => readFileSync(file, "utf8").trim();
    }
    target.cert = dataOrFile(user, "client-certificate");
    target.key = dataOrFile(user, "client-key");
  }
  return target;
}

/** The target muster's credential order picks (shared/kube/credentials.ts). */
export function findKubeTarget(options: FindOptions = {}): KubeTarget {
  const source = findKubeCredentials(options);
  if (source.kind === "kubeconfig") return kubeconfigTarget(source.paths);
  let namespace: string | undefined;
  try {
    namespace = readFileSync(source.namespaceFile, "utf8").trim() || undefined;
  } catch {
    // An older or trimmed mount: the ConfigMap's namespace is then always given.
  }
  return {
    server: source.server,
    ca: readFileSync(source.caFile, "utf8"),
    token: () => readFileSync(source.tokenFile, "utf8").trim(),
    namespace,
  };
}
