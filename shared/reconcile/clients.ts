import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ReconcilerSettings } from "../settings/reconciler.js";
import {
  type AwsClientOptions,
  createCloudMapClient,
  createEc2Client,
} from "../sources/aws-clients.js";
import { SOURCES } from "./pass-record.js";
import type { KubernetesScanner } from "./pass-scan.js";

export interface ReconcilerClients {
  ec2?: EC2Client;
  cloudMap?: ServiceDiscoveryClient;
  kubernetes?: KubernetesScanner;
  destroy(): void;
}

/**
 * The clients the configured sources need, and only those. Endpoints and credentials come from
 * the SDK's usual chain (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_SERVICEDISCOVERY`,
 * `AWS_REGION`, the Lambda role...) unless `options` says otherwise; Kubernetes's from its
 * credential order or the EKS settings (shared/sources/kubernetes/kube-config.ts).
 */
export function createReconcilerClients(
  config: ReconcilerSettings,
  options: AwsClientOptions = {},
): ReconcilerClients {
  const ec2 = config.ec2.enabled ? createEc2Client(options) : undefined;
  const cloudMap = config.cloudMapNamespace ? createCloudMapClient(options) : undefined;
  return {
    ec2,
    cloudMap,
    kubernetes: config.kubernetes && kubernetesLister(config.kubernetes),
    destroy() {
      ec2?.destroy();
      cloudMap?.destroy();
    },
  };
}

/**
 * One list of the EndpointSlices per pass. The credentials are found on the first pass, not at
 * start: a missing kubeconfig is then the source's failure, reported in /v1/discovery/health
 * like an API server that does not answer, and found again on the next pass until it is there.
 *
 * The official client is imported here, on the first pass, not with the module: in the Lambda
 * bundle esbuild keeps it inline but runs its module code (its own undici, which loads http2
 * and worker_threads, and every generated model) only then, so a reconciler without the
 * source never pays for it at a cold start (docs/lambda-bundle.md).
 */
function kubernetesLister(
  settings: NonNullable<ReconcilerSettings["kubernetes"]>,
): KubernetesScanner {
  let kubeConfig: KubeConfig | undefined;
  return async (signal) => {
    const [{ sourceKubeConfig }, { listEndpointSlicesOnce }] = await Promise.all([
      import("../sources/kubernetes/kube-config.js"),
      import("../sources/kubernetes/slice-list.js"),
    ]);
    kubeConfig ??= sourceKubeConfig(settings);
    const listed = listEndpointSlicesOnce({
      kubeConfig,
      namespaces: settings.namespaces,
      labelSelector: settings.labelSelector,
    });
    // The client's requests take no signal: a pass out of time stops waiting for them.
    return Promise.race([listed, aborted(signal)]);
  };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(signal.reason ?? new Error("the pass ran out of time"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

/** The health entries a configuration turns on. */
export function configuredSources(config: ReconcilerSettings): string[] {
  return [
    ...(config.ec2.enabled ? [SOURCES.ec2] : []),
    ...(config.cloudMapNamespace ? [SOURCES.cloudMap, SOURCES.cloudMapExport] : []),
    ...(config.kubernetes ? [SOURCES.kubernetes] : []),
  ];
}
