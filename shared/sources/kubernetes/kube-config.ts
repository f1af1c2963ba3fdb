import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { type FindOptions, findKubeCredentials } from "../../kube/credentials.js";
import { eksEndpointRegion, eksTokens } from "../../kube/eks-token.js";
import type { KubernetesSettings } from "../../settings/reconciler.js";

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

const EKS_AUTH_PROVIDER = "muster-eks-token";

export interface EksKubeConfigInput {
  cluster: string;
  endpoint: string;
  /** base64 of the cluster's CA, PEM (`certificateAuthority.data`). */
  caData: string;
  /** The STS region the token is signed for; default: the endpoint's region. */
  region?: string;
  /** AWS credentials; default the SDK's chain (on Lambda, the function's role). */
  credentials?: Parameters<typeof eksTokens>[0]["credentials"];
}

/**
 * An EKS cluster from outside it, as `aws eks get-token` would authenticate: every request
 * carries a token presigned with the AWS credentials (shared/kube/eks-token.ts), made again
 * every ten minutes. No kubeconfig, no exec plugin, no AWS CLI in the Lambda.
 */
export function eksKubeConfig(input: EksKubeConfigInput): KubeConfig {
  const region = input.region ?? eksEndpointRegion(input.endpoint);
  if (!region) {
    throw new Error(
      `${input.endpoint} is not an EKS endpoint (https://….<region>.eks.amazonaws.com): say the region`,
    );
  }
  const token = eksTokens({
    cluster: input.cluster,
    region,
    credentials: input.credentials ?? defaultProvider(),
  });
  const kc = new KubeConfig();
  kc.addAuthenticator({
    isAuthProvider: (user: User) => user.authProvider?.name === EKS_AUTH_PROVIDER,
    applyAuthentication: async (_user, opts) => {
      opts.headers = { ...opts.headers, Authorization: `Bearer ${await token()}` };
    },
  });
  kc.loadFromOptions({
    clusters: [
      { name: input.cluster, server: input.endpoint, caData: input.caData, skipTLSVerify: false },
    ],
    users: [{ name: "muster", authProvider: { name: EKS_AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: input.cluster, cluster: input.cluster, user: "muster" }],
    currentContext: input.cluster,
  });
  return kc;
}

/** The source's configuration: an EKS cluster when the settings name one, else the credential order. */
export function sourceKubeConfig(
  settings: Pick<KubernetesSettings, "eks">,
  options: FindOptions = {},
): KubeConfig {
  return settings.eks ? eksKubeConfig(settings.eks) : loadKubeConfig(options);
}
