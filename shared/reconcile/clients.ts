import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { ReconcilerSettings } from "../settings/reconciler.js";
import {
  type AwsClientOptions,
  createCloudMapClient,
  createEc2Client,
} from "../sources/aws-clients.js";
import { SOURCES } from "./pass-record.js";

export interface ReconcilerClients {
  ec2?: EC2Client;
  cloudMap?: ServiceDiscoveryClient;
  destroy(): void;
}

/**
 * The AWS clients the configured sources need, and only those. Endpoints and credentials
 * come from the SDK's usual chain (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_SERVICEDISCOVERY`,
 * `AWS_REGION`, the Lambda role...) unless `options` says otherwise.
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
    destroy() {
      ec2?.destroy();
      cloudMap?.destroy();
    },
  };
}

/** The health entries a configuration turns on. */
export function configuredSources(config: ReconcilerSettings): string[] {
  return [
    ...(config.ec2.enabled ? [SOURCES.ec2] : []),
    ...(config.cloudMapNamespace ? [SOURCES.cloudMap, SOURCES.cloudMapExport] : []),
  ];
}
