import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { StaticPresignKeys } from "../shared/auth/presign.js";
import { localPresignKeys } from "../shared/auth/presign-keys.js";
import { AnyToken } from "../shared/auth/scoped-tokens.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { registryApp } from "../shared/compose/registry-app.js";
import { ConfigError, readConfig } from "../shared/config.js";
import { readDnsIrohService, readDnsZone } from "../shared/dns/config.js";
import { LOCAL_MAX_WAIT_SECONDS } from "../shared/http/blocking.js";
import { EDGE_CACHE_SECONDS } from "../shared/http/cacheable.js";
import { configuredSources, createReconcilerClients } from "../shared/reconcile/clients.js";
import { hasSource, readReconcileConfig } from "../shared/reconcile/config.js";
import { runReconcilePass } from "../shared/reconcile/pass.js";
import { type Scheduled, schedule } from "../shared/reconcile/scheduler.js";
import { SigningKeys } from "../shared/signing/keys.js";
import { ReloadingSigning } from "../shared/signing/source.js";
import { ChangeFeed, notifyingStore } from "../shared/store/change-feed.js";
import { consoleLogger as log } from "./console-logger.js";
import { prepareDataDir } from "./data-dir.js";
import { lockDataDir } from "./data-lock.js";
import { readDnsListen, startDnsServer } from "./dns-server.js";
import { listen } from "./listen.js";
import { openLocalStore } from "./local-store.js";
import { LocalMetrics, readMetricsPublic } from "./metrics.js";
import { ensureSigningKeys, readSigningKeysFile, signingKeysPath } from "./signing-keys.js";
import { readTls } from "./tls.js";
import { localToken } from "./token.js";

/** How long a shutdown waits for requests in flight before closing their connections. */
const DRAIN_MS = 300;

/**
 * `muster serve`: the registry on one machine. The same app as on Lambda, over SQLite in the
 * data folder (or a DynamoDB table with MUSTER_STORE=dynamodb). Every start-up failure is a
 * ConfigError (one line) thrown after what was taken (the lock, the database) is released.
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const config = readConfig(env, { table: "muster" });
  const reconcileConfig = readReconcileConfig(env, { table: config.tableName });
  const { port, host } = config.local;
  const dataDir = resolve(config.local.dataDir);
  const dnsZone = readDnsZone(env);
  const dnsIrohService = readDnsIrohService(env);
  const dnsListen = readDnsListen(env);
  const tls = readTls(env);
  const metrics = new LocalMetrics({ public: readMetricsPublic(env) });
  prepareDataDir(dataDir);
  const release: (() => void)[] = [lockDataDir(dataDir)];
  const releaseAll = () => {
    for (const fn of release.splice(0)) fn();
  };

  try {
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
    // Presigned URLs: MUSTER_PRESIGN_KEYS when set, else a key made once in the data folder.
    let presignKeys = config.presignKeys;
    if (!presignKeys) {
      try {
        presignKeys = localPresignKeys(dataDir).keys;
      } catch (err) {
        throw new ConfigError(
          `${resolve(dataDir, "presign-keys.json")}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }

    const local = await openLocalStore(env, dataDir, config.tableName);
    release.unshift(() => local.close());
    // One store for the app and the reconciler, signalling every write to the waiting reads.
    const changes = new ChangeFeed();
    const store = notifyingStore(metrics.instrument(local.store), changes);
    const { app, scopedTokens } = registryApp({
      config,
      store,
      tokens: new TokenSet(tokens),
      tokenTable: local.tokens,
      presign: new StaticPresignKeys(presignKeys),
      logger: log,
      signing,
      blockingReads: { maxWaitSeconds: LOCAL_MAX_WAIT_SECONDS, feed: changes },
      configuredSources: configuredSources(reconcileConfig),
      dnsZone,
      dnsIrohService,
      onEvent: metrics.onEvent,
      onRefusal: metrics.onRefusal,
    });
    metrics.mount(app, new AnyToken(new TokenSet(tokens), scopedTokens));
    // Plain DNS answers public services only: a DNS query carries no credentials.
    const dns = dnsListen
      ? await startDnsServer({
          ...dnsListen,
          source: {
            mayRead: (service) => config.publicServices.has(service),
            list: (service) => store.list(service, Date.now()),
          },
          zone: {
            zone: dnsZone,
            ttl: EDGE_CACHE_SECONDS,
            now: Date.now,
            irohService: dnsIrohService,
          },
          warn: (message, detail) => log.warn(message, detail),
        })
      : undefined;
    if (dns) {
      release.unshift(() => void dns.close());
      log.info(`dns listening on ${dns.host}:${dns.port} (udp, tcp) for ${dnsZone}`);
    }
    const http = await listen(app.fetch, port, host, tls);

    // The same pass as the scheduled Lambda's, every MUSTER_RECONCILE_INTERVAL seconds.
    const clients = hasSource(reconcileConfig)
      ? createReconcilerClients(reconcileConfig)
      : undefined;
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
      // A pass in flight is aborted; its writes are given the drain time to finish.
      await Promise.race([reconciler?.stop(), new Promise((r) => setTimeout(r, DRAIN_MS))]);
      clients?.destroy();
      await http.close(DRAIN_MS);
      // Closing commits what is queued; every acknowledged write was already synced.
      releaseAll();
      process.exit(0);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    // Last: whoever waits for this line may signal at once, and the handlers are in place.
    log.info(
      `muster listening on ${tls ? "https" : "http"}://${host}:${http.port} (${local.where})`,
    );
  } catch (err) {
    releaseAll();
    throw err;
  }
}
