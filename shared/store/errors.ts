import { StoreUnavailableError } from "./store.js";

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

// Missing table or a revoked permission: the store cannot serve, but this is not the caller's
// fault, so it is reported like an outage rather than as a 500.
const UNSERVICEABLE = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps an error from the DynamoDB client to `StoreUnavailableError` when it means "the store
 * did not answer" (outage, network, throttling). Anything else is a bug of ours and is
 * returned unchanged so it surfaces as one.
 */
export function classifyStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? "";
  if (THROTTLED.has(name)) {
    return new StoreUnavailableError("store is throttling requests", 1, { cause: err });
  }
  if (UNSERVICEABLE.has(name)) {
    return new StoreUnavailableError(`store cannot serve: ${name}`, 30, { cause: err });
  }
  if (e.$fault === "server" || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new StoreUnavailableError("store failed to answer", 2, { cause: err });
  }
  // No HTTP response at all: refused, reset, timed out, DNS.
  if (
    e.$fault === undefined &&
    (e.$metadata?.httpStatusCode === undefined || e.code !== undefined)
  ) {
    return new StoreUnavailableError("store is unreachable", 5, { cause: err });
  }
  return err;
}
