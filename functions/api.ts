import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { StaticPresignKeys } from "../shared/auth/presign.js";
import { RotatingPresignKeys } from "../shared/auth/presign-keys.js";
import {
  createSecretsManagerClient,
  RotatingTokens,
  secretLoader,
} from "../shared/auth/secret-tokens.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { readConfig } from "../shared/config.js";
import { readDnsZone } from "../shared/dns/config.js";
import { createApp } from "../shared/http/app.js";
import type { AppEvent } from "../shared/http/app-event.js";
import { lambdaBlockingReads } from "../shared/http/blocking.js";
import { securityOptions } from "../shared/http/security.js";
import { EventTotals } from "../shared/metrics/event-totals.js";
import { discoveryFromTable } from "../shared/reconcile/status.js";
import { ReloadingSigning } from "../shared/signing/source.js";
import { createDynamoClient } from "../shared/store/client.js";
import { DynamoStore } from "../shared/store/dynamo-store.js";

/**
 * The HTTP API on Lambda (function URL or API Gateway HTTP API, payload v2). Configured from
 * the environment: MUSTER_TABLE, MUSTER_PUBLIC_SERVICES, and the tokens from MUSTER_TOKENS when
 * set, else from the Secrets Manager secret MUSTER_TOKENS_SECRET_ARN (reloaded every five
 * minutes). With neither, every /v1 request is refused: Lambda mode never accepts anonymous
 * writes.
 */
const logger = new Logger({ serviceName: "muster-api" });
const metrics = new Metrics({ namespace: "Muster", serviceName: "muster-api" });
const config = readConfig(process.env);
const secretId = process.env.MUSTER_TOKENS_SECRET_ARN;
const rotating =
  config.tokens.length === 0 && secretId
    ? new RotatingTokens({
        load: secretLoader(createSecretsManagerClient(), secretId),
        warn: (message, detail) => logger.warn(message, { ...detail }),
      })
    : undefined;
if (config.tokens.length === 0 && !rotating)
  logger.error(
    "neither MUSTER_TOKENS nor MUSTER_TOKENS_SECRET_ARN is set: every /v1 request will be refused",
  );

// Signing keys: loaded on the first read that signs (never on a heartbeat) and reloaded every
// five minutes like the tokens; without the variable, reads are unsigned.
const signingSecretId = process.env.MUSTER_SIGNING_KEYS_SECRET_ARN;
const signing = signingSecretId
  ? new ReloadingSigning({
      load: secretLoader(createSecretsManagerClient(), signingSecretId),
      warn: (message, detail) => logger.warn(message, { ...detail }),
    })
  : undefined;

// Presign keys: MUSTER_PRESIGN_KEYS, else the secret MUSTER_PRESIGN_KEYS_SECRET_ARN, loaded only
// by a request that needs it (a presigned URL, minting one) and reloaded every five minutes:
// removing a key id from the secret kills its URLs within that time.
const presignSecretId = process.env.MUSTER_PRESIGN_KEYS_SECRET_ARN;
const rotatingPresign =
  !config.presignKeys && presignSecretId
    ? new RotatingPresignKeys({
        load: secretLoader(createSecretsManagerClient(), presignSecretId),
        warn: (message, detail) => logger.warn(message, { ...detail }),
      })
    : undefined;
const presignKeys = config.presignKeys
  ? new StaticPresignKeys(config.presignKeys)
  : rotatingPresign;

const METRIC: Record<AppEvent, string> = {
  heartbeat: "Heartbeats",
  deregistration: "Deregistrations",
  store_unavailable: "StoreUnavailable",
};
// `?wait=`: refused unless MUSTER_MAX_WAIT_SECONDS allows a short wait (docs/watch.md).
const blockingReads = lambdaBlockingReads(process.env);
// Counted per container and published once a minute (or at once on a store outage).
const totals = new EventTotals({ flushMs: 60_000 });
const dynamo = createDynamoClient();
const store = new DynamoStore({
  client: dynamo,
  tableName: config.tableName,
  shardConcurrency: config.shardConcurrency,
});
const app = createApp({
  store,
  tokens: rotating ?? new TokenSet(config.tokens),
  ...securityOptions(config, { client: dynamo, tableName: config.tableName }, presignKeys),
  publicServices: config.publicServices,
  logger,
  ...(signing ? { signing } : {}),
  discovery: discoveryFromTable({ store }),
  ...(blockingReads ? { blockingReads } : {}),
  dnsZone: readDnsZone(process.env),
  onEvent: (event) => totals.add(event),
});
const serve = handle(app);

/** Without tokens nothing can be authenticated: 503, and the next request tries again. */
const unavailable = handle(
  new Hono().all("*", (c) =>
    c.json(
      { error: { code: "tokens_unavailable", message: "the registry cannot load its tokens" } },
      503,
      { "Retry-After": "5" },
    ),
  ),
);

export const handler: typeof serve = async (event, context) => {
  try {
    try {
      await rotating?.refresh();
    } catch (err) {
      logger.error("cannot load the tokens", { reason: String(err) });
      return await unavailable(event, context);
    }
    // Never on a heartbeat: only a request carrying a signature, or minting one, needs the keys.
    const { rawQueryString = "", rawPath } = event as { rawQueryString?: string; rawPath?: string };
    if (/(^|&)sig=/.test(rawQueryString) || rawPath === "/v1/admin/presign") {
      await rotatingPresign?.refresh();
    }
    return await serve(event, context);
  } finally {
    // Publish (write the EMF line) before Lambda freezes, when a flush is due.
    const due = totals.due();
    if (due) {
      for (const [event, count] of due) metrics.addMetric(METRIC[event], MetricUnit.Count, count);
      metrics.publishStoredMetrics();
    }
  }
};
