import type { TrustedKeys } from "../../shared/signing/trust.js";
import type { RequestSigner } from "../aws/sigv4.js";
import { loadTrustedKeys } from "../join/verify.js";
import type { KeySource } from "./upstream.js";

/** A rotation is picked up on the first answer signed by a new key, but not more often. */
const RELOAD_MS = 30_000;
/** After a failed read, the next request waits this long before trying again. */
const RETRY_MS = 5_000;

/**
 * The registry's muster-keys.json documents (paths or URLs, as `join --verify-key` takes
 * them), read on first use and again when an answer is signed by a key they do not list:
 * a URL then gives the registry's current keys, a pinned file its edited copy.
 */
export function keySource(
  sources: readonly string[],
  options: { timeoutMs: number; now?: () => number; signer?: RequestSigner | undefined },
): KeySource {
  const now = options.now ?? Date.now;
  let keys: TrustedKeys | undefined;
  let loading: Promise<TrustedKeys> | undefined;
  let failed: { at: number; err: unknown } | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  const read = () => {
    loading ??= loadTrustedKeys(sources, { timeoutMs: options.timeoutMs, signer: options.signer })
      .then(
        (k) => {
          keys = k;
          failed = undefined;
          return k;
        },
        (err: unknown) => {
          failed = { at: now(), err };
          throw err;
        },
      )
      .finally(() => {
        loading = undefined;
      });
    readAt = now();
    return loading;
  };
  return {
    current: async () => {
      if (keys) return keys;
      if (failed && now() - failed.at < RETRY_MS) throw failed.err;
      return read();
    },
    reload: async () => (now() - readAt < RELOAD_MS ? undefined : read()),
  };
}
