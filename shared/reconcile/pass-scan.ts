import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { ReconcilerSettings } from "../settings/reconciler.js";
import {
  type NamespaceSnapshot,
  resolveNamespace,
  snapshotNamespace,
} from "../sources/cloudmap-namespace.js";
import type { SourceScan } from "../sources/discovered.js";
import { discoverEc2 } from "../sources/ec2.js";

/** What the sources said, each answer or failure on its own. */
export interface Scans {
  ec2Scan: PromiseSettledResult<SourceScan> | undefined;
  namespaceSnapshot: PromiseSettledResult<NamespaceSnapshot> | undefined;
  kubernetesScan: PromiseSettledResult<SourceScan> | undefined;
}

/** One look at the Kubernetes source: a list on Lambda (shared/compose/reconciler.ts). */
export type KubernetesScanner = (signal: AbortSignal) => Promise<SourceScan>;

async function settle<T>(
  run: (() => Promise<T>) | undefined,
): Promise<PromiseSettledResult<T> | undefined> {
  if (!run) return undefined;
  try {
    return { status: "fulfilled", value: await run() };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}

/**
 * A pass's first step: asks the configured sources side by side (EC2's tag search, the Cloud
 * Map namespace, the Kubernetes EndpointSlices), never throwing: a source that fails is a rejected result, which the apply
 * step turns into "changed nothing, reported".
 */
export async function scanSources(input: {
  config: ReconcilerSettings;
  ec2: EC2Client | undefined;
  cloudMap: ServiceDiscoveryClient | undefined;
  kubernetes: KubernetesScanner | undefined;
  ec2PageSize: number | undefined;
  concurrency: number;
  signal: AbortSignal;
}): Promise<Scans> {
  const { config, ec2, cloudMap, kubernetes, concurrency, signal } = input;
  const namespace = config.cloudMapNamespace ?? "";
  const [ec2Scan, namespaceSnapshot, kubernetesScan] = await Promise.all([
    settle<SourceScan>(
      ec2 &&
        (() =>
          discoverEc2({
            client: ec2,
            filters: config.ec2.filters,
            defaultPorts: config.ec2.defaultPorts,
            pageSize: input.ec2PageSize,
            signal,
          })),
    ),
    settle<NamespaceSnapshot>(
      cloudMap &&
        (async () =>
          snapshotNamespace(cloudMap, await resolveNamespace(cloudMap, namespace, signal), {
            signal,
            concurrency,
          })),
    ),
    settle<SourceScan>(kubernetes && (() => kubernetes(signal))),
  ]);
  return { ec2Scan, namespaceSnapshot, kubernetesScan };
}
