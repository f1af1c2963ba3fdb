import { StaticPresignKeys } from "../auth/presign.js";
import { RotatingPresignKeys } from "../auth/presign-keys.js";
import { RotatingTokens } from "../auth/secret-tokens.js";
import { TokenSet } from "../auth/tokens.js";
import type { AppOptions } from "../http/app.js";
import { lambdaBlockingReads } from "../http/blocking.js";
import { lambdaConsulBlocking } from "../http/consul/options.js";
import { lambdaCaller } from "../http/iam-caller.js";
import type { AppLogger } from "../logging.js";
import { createSecretsManagerClient, secretLoader } from "../secrets/secrets-manager.js";
import { readApiSettings } from "../settings/api.js";
import { readDnsSettings } from "../settings/dns.js";
import { Env, type Environment } from "../settings/names.js";
import { readSections } from "../settings/read.js";
import { ReloadingSigning } from "../signing/source.js";
import { createDynamoClient } from "../store/dynamodb/client.js";
import { DynamoStore } from "../store/dynamodb/store.js";
import { TokenTable } from "../store/dynamodb/token-table.js";
import { readUiFolder } from "../ui/assets.js";
import { registryApp } from "./registry-app.js";

/**
 * The HTTP API as the Lambda function runs it, configured from the environment: the table
 * (MUSTER_TABLE), and each secret-backed set from its variable when set, else from its Secrets
 * Manager secret, reloaded every five minutes (shared/secrets/reloading.ts): the tokens
 * (MUSTER_TOKENS / MUSTER_TOKENS_SECRET_ARN; with neither every /v1 request is refused, since
 * Lambda mode never accepts anonymous writes), the signing keys (MUSTER_SIGNING_KEYS_SECRET_ARN;
 * without it reads are unsigned) and the presign keys (MUSTER_PRESIGN_KEYS /
 * MUSTER_PRESIGN_KEYS_SECRET_ARN).
 */
export function lambdaApi(
  env: Environment,
  hooks: {
    logger: AppLogger;
    onEvent: NonNullable<AppOptions["onEvent"]>;
    /** The folder the built UI was bundled into (docs/ui.md); undefined: no UI. */
    uiDir?: string | undefined;
  },
) {
  const { logger } = hooks;
  const { api: config, dns } = readSections({
    api: () => readApiSettings(env),
    dns: () => readDnsSettings(env),
  });
  const warn = (message: string, detail?: Record<string, unknown>) =>
    logger.warn(message, { ...detail });
  const secrets = config.secrets;
  const secretsManager =
    secrets.tokens || secrets.signingKeys || secrets.presignKeys
      ? createSecretsManagerClient()
      : undefined;
  const fromSecret = (id: string | undefined) =>
    id && secretsManager ? { load: secretLoader(secretsManager, id), warn } : undefined;

  const tokenSecret = config.tokens.length === 0 ? fromSecret(secrets.tokens) : undefined;
  if (config.tokens.length === 0 && !tokenSecret) {
    logger.error(
      `neither ${Env.MUSTER_TOKENS} nor ${Env.MUSTER_TOKENS_SECRET_ARN} is set: every /v1 request will be refused`,
    );
  }
  const signingSecret = fromSecret(secrets.signingKeys);
  const presignSecret = config.presignKeys ? undefined : fromSecret(secrets.presignKeys);

  const dynamo = createDynamoClient();
  const store = new DynamoStore({
    client: dynamo,
    tableName: config.tableName,
    shardConcurrency: config.shardConcurrency,
  });
  return registryApp({
    config,
    store,
    tokens: tokenSecret ? new RotatingTokens(tokenSecret) : new TokenSet(config.tokens),
    tokenStore: new TokenTable(dynamo, config.tableName),
    presign: config.presignKeys
      ? new StaticPresignKeys(config.presignKeys)
      : presignSecret && new RotatingPresignKeys(presignSecret),
    signing: signingSecret && new ReloadingSigning(signingSecret),
    // `?wait=`: refused unless MUSTER_MAX_WAIT_SECONDS allows a short wait (docs/watch.md).
    blockingReads: lambdaBlockingReads(config.lambdaMaxWaitSeconds),
    // Consul's blocking queries: the same bound, polled, and a cap per watcher (docs/consul.md).
    consulBlocking: lambdaConsulBlocking(config.lambdaMaxWaitSeconds, config.consulReaskSeconds),
    logger,
    dns,
    onEvent: hooks.onEvent,
    // Nodes in AWS that sign with a role the stack maps (MUSTER_IAM_ROLES) need no token.
    iam: config.iamRoles.size > 0 ? { roles: config.iamRoles, callerOf: lambdaCaller } : undefined,
    uiFiles: hooks.uiDir === undefined ? undefined : () => readUiFolder(hooks.uiDir as string),
  }).app;
}
