import type { KubeConfig } from "@kubernetes/client-node";
import type { AppLogger } from "../shared/logging.js";
import { SOURCES } from "../shared/reconcile/pass-record.js";
import { Env, type Environment } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import type { ReconcilerSettings } from "../shared/settings/reconciler.js";
import { sourceKubeConfig } from "../shared/sources/kubernetes/kube-config.js";
import type { ReconcilerStore } from "../shared/store/store.js";
import { followKubernetes, type KubeFollower } from "./kube-follower.js";
import type { LocalMetrics } from "./metrics.js";

/**
 * `muster serve`'s Kubernetes source, when MUSTER_K8S_DISCOVERY is on: the follower
 * (kube-follower.ts) with the credentials found at start. No credentials at all is a start-up
 * refusal, one line; credentials the API server refuses are the source's failure, reported in
 * /v1/discovery/health while the server runs (RBAC can be fixed without a restart).
 */
export function startKubeFollower(
  settings: ReconcilerSettings,
  store: ReconcilerStore,
  logger: AppLogger,
  metrics: LocalMetrics,
  env: Environment,
): { follower: KubeFollower; sources: string[] } | undefined {
  const kubernetes = settings.kubernetes;
  if (!kubernetes) return undefined;
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = sourceKubeConfig(kubernetes, { env });
  } catch (err) {
    throw ConfigError.invalid([
      `${Env.MUSTER_K8S_DISCOVERY}: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  const follower = followKubernetes({
    kubernetes,
    reconciler: settings,
    kubeConfig,
    store,
    logger,
    onSync: (outcome) => metrics.countSourcePass("kubernetes", !outcome.ok),
  });
  const where =
    kubernetes.namespaces.length > 0
      ? `namespace(s) ${kubernetes.namespaces.join(", ")}`
      : "every namespace";
  const selected = kubernetes.labelSelector ? ` selected by ${kubernetes.labelSelector}` : "";
  logger.info(
    `kubernetes: following the EndpointSlices of ${where}${selected} at ${kubeConfig.getCurrentCluster()?.server}`,
  );
  return { follower, sources: [SOURCES.kubernetes] };
}
