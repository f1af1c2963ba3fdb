import { isThrottlingError, isTransientError } from "@smithy/core/retry";
import { StoreUnavailableError } from "../store.js";

// Missing table or a revoked permission: the store cannot serve, but this is not the caller's
// fault, so it is reported like an outage rather than as a 500.
const UNSERVICEABLE = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
]);

/**
 * Maps an error from the DynamoDB client to `StoreUnavailableError` when it means "the store
 * did not answer" (outage, network, throttling). Anything else is a bug of ours (a value the
 * SDK cannot marshal, a malformed expression) and is returned unchanged so it surfaces as a
 * 500: a 503 tells clients to retry, and retrying a bug only repeats it forever.
 *
 * Throttling and "no answer" are recognised by the SDK's own classification (the codes and
 * network errors its retry strategy treats as throttling or transient), so an error the SDK
 * raised before sending anything is never taken for an outage.
 */
export function classifyStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  if (err === null || typeof err !== "object") return err;
  // Only fields the checks below test are read; any of them may be missing.
  const e = err as Parameters<typeof isTransientError>[0];
  const name = e.name ?? "";
  if (isThrottlingError(e)) {
    return new StoreUnavailableError("store is throttling requests", 1, { cause: err });
  }
  if (UNSERVICEABLE.has(name)) {
    return new StoreUnavailableError(`store cannot serve: ${name}`, 30, { cause: err });
  }
  if (e.$fault === "server" || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new StoreUnavailableError("store failed to answer", 2, { cause: err });
  }
  // No HTTP response at all: refused, reset, timed out, DNS.
  if (isTransientError(e)) {
    return new StoreUnavailableError("store is unreachable", 5, { cause: err });
  }
  return err;
}

/**
 * A write refused by its condition expression: the item is not as the write expected (an
 * owner, a floor, a version), which each caller turns into its own answer. By name, since the
 * document client and the low-level client raise the same error from either package copy.
 */
export function isConditionFailure(err: unknown): boolean {
  return (
    err !== null &&
    typeof err === "object" &&
    (err as { name?: unknown }).name === "ConditionalCheckFailedException"
  );
}
