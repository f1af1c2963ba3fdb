import { KubeConfig } from "@kubernetes/client-node";
import { type FindOptions, findKubeCredentials } from "../../kube/credentials.js";

/**
 * The official client's configuration from muster's credential order (shared/kube/credentials.ts):
 * the Pod's service account (its token re-read as the kubelet rotates it), else the
 * `KUBECONFIG` files merged as kubectl merges them, else `~/.kube/config`. Whatever a kubeconfig
 * can say (client certificates, exec plugins such as `aws eks get-token`, OIDC) works through
 * the client.
 */
export function loadKubeConfig(options: FindOptions = {}): KubeConfig {
  const source = findKubeCredentials(options);
  const kc = new KubeConfig();
  if (source.kind === "in-cluster") {
    kc.loadFromClusterAndUser(
      { name: "in-cluster", server: source.server, caFile: source.caFile, skipTLSVerify: false },
      {
        name: "in-cluster",
        authProvider: { name: "tokenFile", config: { tokenFile: source.tokenFile } },
      },
    );
    return kc;
  }
  const [first, ...rest] = source.paths;
  kc.loadFromFile(first as string);
  for (const path of rest) {
    const more = new KubeConfig();
    more.loadFromFile(path);
    // The first file's current context wins, as with kubectl.
    kc.mergeConfig(more, true);
  }
  return kc;
}
