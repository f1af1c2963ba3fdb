import type { PresignKeys } from "../auth/presign.js";
import { ScopedTokens } from "../auth/scoped-tokens.js";
import type { ApiSettings } from "../settings/api.js";
import type { TokenStore } from "../store/store.js";
import type { AppOptions } from "./app.js";

/**
 * The security options of createApp as configured (scoped tokens in the store, presigned
 * URLs and their origin, rate limit, caps), shared by local mode and the Lambda entry so they cannot drift.
 */
export function securityOptions(
  config: ApiSettings,
  /** Where scoped tokens are kept: the composition root makes it beside the registry's store. */
  tokenStore: TokenStore,
  presign: PresignKeys | undefined,
  now: () => number = Date.now,
): Pick<AppOptions, "scopedTokens" | "presign" | "baseUrl" | "rateLimit" | "caps"> {
  return {
    scopedTokens: new ScopedTokens({
      table: tokenStore,
      cacheSeconds: config.tokenCacheSeconds,
      now,
    }),
    presign,
    baseUrl: config.baseUrl,
    rateLimit: config.rateLimit,
    caps: {
      maxPerService: config.maxInstancesPerService,
      maxPerToken: config.maxInstancesPerToken,
    },
  };
}
