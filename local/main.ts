import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { StaticPresignKeys } from "../shared/auth/presign.js";
import { localPresignKeys } from "../shared/auth/presign-keys.js";
import { AnyToken } from "../shared/auth/scoped-tokens.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { ConfigError, readConfig } from "../shared/config.js";
import { readDnsZone } from "../shared/dns/config.js";
import { createApp } from "../shared/http/app.js";
import { LOCAL_MAX_WAIT_SECONDS } from "../shared/http/blocking.js";
import { EDGE_CACHE_SECONDS } from "../shared/http/cacheable.js";
import { securityOptions } from "../shared/http/security.js";
import { configuredSources, createReconcilerClients } from "../shared/reconcile/clients.js";
import {
  hasSource,
  ReconcileConfigError,
  readReconcileConfig,
} from "../shared/reconcile/config.js";
import { runReconcilePass } from "../shared/reconcile/pass.js";
import { type Scheduled, schedule } from "../shared/reconcile/scheduler.js";
import { discoveryFromTable } from "../shared/reconcile/status.js";
import { SigningKeys } from "../shared/signing/keys.js";
import { ReloadingSigning } from "../shared/signing/source.js";
import { ChangeFeed, notifyingStore } from "../shared/store/change-feed.js";
import { createDynamoClient } from "../shared/store/client.js";
import { DynamoStore } from "../shared/store/dynamo-store.js";
import { ensureTable } from "../shared/store/table.js";
import { consoleLogger as log } from "./console-logger.js";
import { lockDataDir } from "./data-lock.js";
import { readDnsListen, startDnsServer } from "./dns-server.js";
import { type RunningEngine, startDynalite } from "./dynalite.js";
import { LocalMetrics, readMetricsPublic } from "./metrics.js";
import { ensureSigningKeys, readSigningKeysFile, signingKeysPath } from "./signing-keys.js";
import { readTls } from "./tls.js";
import { localToken } from "./token.js";

/**
 * `npm start`: the registry on one machine. The same app as on Lambda, over an embedded
 * dynalite persisted in MUSTER_DATA_DIR, or over any DynamoDB endpoint named by
 * AWS_ENDPOINT_URL_DYNAMODB.
 */
async function main(): Promise<void> {
  const config = readConfig(process.env, { table: "muster" });
  const reconcileConfig = readReconcileConfig(process.env, { table: config.tableName });
  const dataDir = resolve(process.env.MUSTER_DATA_DIR ?? ".muster");
  const port = Number(process.env.PORT ?? 8787);
  const host = process.env.HOST ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError("PORT must be 0-65535");
  const dnsZone = readDnsZone(process.env);
  const dnsListen = readDnsListen(process.env);
  const tls = readTls(process.env);
  const metrics = new LocalMetrics({ public: readMetricsPublic(process.env) });
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);

  let tokens = config.tokens;
  if (tokens.length === 0) {
    const local = localToken(dataDir);
    tokens = [local.token];
    if (local.created) {
      // Printed this once; afterwards only where it is kept.
      console.log(
        `\nmuster: made a token for this registry (kept in ${local.path}):\n\n  ${local.token}\n`,
      );
    } else {
      log.info(`using the token kept in ${local.path}`);
    }
  }

  // Every read is signed; the key set is made on the first start and re-read every few
  // seconds, so that `npm run keys -- rotate` reaches a running registry.
  const keysPath = signingKeysPath(dataDir);
  if (ensureSigningKeys(dataDir)) log.info(`made a signing key set in ${keysPath}`);
  try {
    SigningKeys.parse(readSigningKeysFile(dataDir));
  } catch (err) {
    throw new ConfigError(`${keysPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const signing = new ReloadingSigning({
    load: () => readFile(keysPath, "utf8"),
    maxAgeMs: 5_000,
    warn: (message, detail) => log.warn(message, detail),
  });

  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL;
  const engine: RunningEngine | undefined = external
    ? undefined
    : await startDynalite({ path: join(dataDir, "dynalite") });
  const client = createDynamoClient(
    engine
      ? {
          endpoint: engine.endpoint,
          region: "local",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {},
  );
  await ensureTable(client, config.tableName);

  // One store for the app and the reconciler, signalling every write to the waiting reads.
  const changes = new ChangeFeed();
  const store = notifyingStore(
    metrics.instrument(new DynamoStore({ client, tableName: config.tableName })),
    changes,
  );
  // Presigned URLs: MUSTER_PRESIGN_KEYS when set, else a key made once in the data folder.
  const presignKeys = config.presignKeys ?? localPresignKeys(dataDir).keys;
  const security = securityOptions(
    config,
    { client, tableName: config.tableName },
    new StaticPresignKeys(presignKeys),
  );
  const app = createApp({
    store,
    tokens: new TokenSet(tokens),
    ...security,
    publicServices: config.publicServices,
    logger: log,
    signing,
    blockingReads: { maxWaitSeconds: LOCAL_MAX_WAIT_SECONDS, feed: changes },
    discovery: discoveryFromTable({ store, configured: configuredSources(reconcileConfig) }),
    dnsZone,
    onEvent: metrics.onEvent,
    onRefusal: metrics.onRefusal,
  });
  metrics.mount(app, new AnyToken(new TokenSet(tokens), security.scopedTokens));
  // Plain DNS answers public services only: a DNS query carries no credentials.
  const dns = dnsListen
    ? await startDnsServer({
        ...dnsListen,
        source: {
          mayRead: (service) => config.publicServices.has(service),
          list: (service) => store.list(service, Date.now()),
        },
        zone: { zone: dnsZone, ttl: EDGE_CACHE_SECONDS, now: Date.now },
        warn: (message, detail) => log.warn(message, detail),
      })
    : undefined;
  if (dns) log.info(`dns listening on ${dns.host}:${dns.port} (udp, tcp) for ${dnsZone}`);

  const server = serve({ fetch: app.fetch, port, hostname: host, ...tls }, (info) => {
    const where = engine ? `embedded dynalite in ${dataDir}` : `DynamoDB at ${external}`;
    log.info(
      `muster listening on ${tls ? "https" : "http"}://${host}:${info.port} (table ${config.tableName}, ${where})`,
    );
  });

  // The same pass as the scheduled Lambda's, every MUSTER_RECONCILE_INTERVAL seconds.
  const clients = hasSource(reconcileConfig) ? createReconcilerClients(reconcileConfig) : undefined;
  const reconciler: Scheduled | undefined = clients
    ? schedule({
        intervalMs: reconcileConfig.intervalSeconds * 1000,
        logger: log,
        run: async (signal) => {
          const report = await runReconcilePass(
            { store, config: reconcileConfig, ...clients, logger: log },
            { signal },
          ).catch((err) => {
            metrics.countPass(reconcileConfig, undefined);
            throw err;
          });
          metrics.countPass(reconcileConfig, report);
        },
      })
    : undefined;
  if (reconciler) {
    log.info(
      `reconciler: ${configuredSources(reconcileConfig).join(", ")} every ${reconcileConfig.intervalSeconds}s`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    // First the reconciler: a pass in flight is aborted and finishes its writes.
    await reconciler?.stop();
    clients?.destroy();
    await dns?.close();
    await new Promise<void>((done) => server.close(() => done()));
    client.destroy();
    // Closing the engine flushes LevelDB, so every acknowledged heartbeat is on disk.
    await engine?.stop();
    unlock();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof ReconcileConfigError) {
    console.error(`muster: ${err.message}`);
  } else {
    console.error("muster: failed to start:", err);
  }
  process.exit(1);
});
