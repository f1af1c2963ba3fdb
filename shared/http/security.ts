import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { PresignKeys } from "../auth/presign.js";
import { ScopedTokens } from "../auth/scoped-tokens.js";
import type { ApiSettings } from "../settings/api.js";
import { type TokenStore, TokenTable } from "../store/token-table.js";
import type { AppOptions } from "./app.js";

/**
 * The security options of createApp as configured (scoped tokens in the table, presigned
 * URLs and their origin, rate limit, caps), shared by local mode and the Lambda entry so they cannot drift.
 */
export function securityOptions(
  config: ApiSettings,
  /** Where scoped tokens are kept: a store, or the DynamoDB table to keep them in. */
  table: TokenStore | { client: DynamoDBClient; tableName: string },
  presign: PresignKeys | undefined,
  now: () => number = Date.now,
): Pick<AppOptions, "scopedTokens" | "presign" | "baseUrl" | "rateLimit" | "caps"> {
  return {
    scopedTokens: new ScopedTokens({
      table: "client" in table ? new TokenTable(table.client, table.tableName) : table,
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
