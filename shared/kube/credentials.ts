import { existsSync } from "node:fs";
import { isIPv6 } from "node:net";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** Where the kubelet mounts a Pod's service account: token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Where a process's Kubernetes credentials come from. The order is muster's, for the source and
 * the agent alike: the Pod's service account when it runs in a cluster, else `KUBECONFIG`, else
 * `~/.kube/config`. (The official client's `loadFromDefault` tries the files first: a Pod whose
 * image happens to carry a kubeconfig would then not act as itself.)
 */
export type KubeCredentialSource =
  | {
      kind: "in-cluster";
      server: string;
      tokenFile: string;
      caFile: string;
      /** The Pod's own namespace, when the mount has it. */
      namespaceFile: string;
    }
  | { kind: "kubeconfig"; paths: string[]; from: "KUBECONFIG" | "home" };

export class KubeCredentialsError extends Error {
  override readonly name = "KubeCredentialsError";
}

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  /** The service account mount; tests point it at a folder of their own. */
  serviceAccountDir?: string;
  home?: string;
  exists?: (path: string) => boolean;
}

export function findKubeCredentials(options: FindOptions = {}): KubeCredentialSource {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  const port = env.KUBERNETES_SERVICE_PORT?.trim();
  const tokenFile = join(saDir, "token");
  if (host && port && exists(tokenFile)) {
    return {
      kind: "in-cluster",
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      tokenFile,
      caFile: join(saDir, "ca.crt"),
      namespaceFile: join(saDir, "namespace"),
    };
  }
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p.trim() !== "");
  if (listed.length > 0) {
    // kubectl's rule: files of the list that do not exist are skipped, but not all of them.
    const paths = listed.filter((p) => exists(p));
    if (paths.length === 0) {
      throw new KubeCredentialsError(
        `KUBECONFIG names ${listed.join(delimiter)}, and none of those files exists`,
      );
    }
    return { kind: "kubeconfig", paths, from: "KUBECONFIG" };
  }
  const home = join(options.home ?? homedir(), ".kube", "config");
  if (exists(home)) return { kind: "kubeconfig", paths: [home], from: "home" };
  throw new KubeCredentialsError(
    `no Kubernetes credentials: not in a cluster (no KUBERNETES_SERVICE_HOST or no ${tokenFile}), ` +
      `KUBECONFIG is not set and ${home} does not exist`,
  );
}
