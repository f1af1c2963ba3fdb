import { Logger } from "@aws-lambda-powertools/logger";
import { handle } from "hono/aws-lambda";
import { TokenSet } from "../shared/auth/tokens.js";
import { readConfig } from "../shared/config.js";
import { createApp } from "../shared/http/app.js";
import { createDynamoClient } from "../shared/store/client.js";
import { DynamoStore } from "../shared/store/dynamo-store.js";

/**
 * The HTTP API on Lambda (function URL or API Gateway HTTP API, payload v2). Configured from
 * the environment: MUSTER_TABLE, MUSTER_TOKENS, MUSTER_PUBLIC_SERVICES. With no token
 * configured every /v1 request is refused: Lambda mode never accepts anonymous writes.
 */
const logger = new Logger({ serviceName: "muster-api" });
const config = readConfig(process.env);
if (config.tokens.length === 0)
  logger.error("MUSTER_TOKENS is empty: every /v1 request will be refused");

const store = new DynamoStore({ client: createDynamoClient(), tableName: config.tableName });
const app = createApp({
  store,
  tokens: new TokenSet(config.tokens),
  publicServices: config.publicServices,
  logger,
});

export const handler = handle(app);
