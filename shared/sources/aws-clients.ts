import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import {
  ServiceDiscoveryClient,
  type ServiceDiscoveryClientConfig,
} from "@aws-sdk/client-servicediscovery";

export interface AwsClientOptions {
  /** Overrides `AWS_ENDPOINT_URL_EC2` / `AWS_ENDPOINT_URL_SERVICEDISCOVERY`; tests pass moto's. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per call, the first included. Default 5. */
  maxAttempts?: number;
  /** Per-request timeout in ms. Default 10 s; the pass has its own deadline on top. */
  requestTimeoutMs?: number;
}

/**
 * Settings shared by the reconciler's clients. Throttling is the SDK's to retry: "adaptive"
 * is the standard strategy (exponential backoff with jitter, a retry quota) plus a client-side
 * rate limiter that slows down after a throttling answer, which is what a scheduled pass
 * sweeping a large fleet wants. No loop of ours retries on top of it.
 */
function common(options: AwsClientOptions) {
  return {
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "adaptive",
    requestHandler: {
      connectionTimeout: Math.min(2_000, options.requestTimeoutMs ?? 10_000),
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      // Without it the SDK only logs a warning and the request keeps hanging.
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function createEc2Client(options: AwsClientOptions = {}): EC2Client {
  const config: EC2ClientConfig = common(options);
  return new EC2Client(config);
}

export function createCloudMapClient(options: AwsClientOptions = {}): ServiceDiscoveryClient {
  const config: ServiceDiscoveryClientConfig = common(options);
  return new ServiceDiscoveryClient(config);
}
