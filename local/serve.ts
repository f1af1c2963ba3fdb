import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { StaticPresignKeys } from "../shared/auth/presign.js";
import { localPresignKeys } from "../shared/auth/presign-keys.js";
import { AnyToken } from "../shared/auth/scoped-tokens.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { ChangeLog } from "../shared/changes/change-log.js";
import { Membership } from "../shared/changes/membership.js";
import { recordingStore, seedMembership } from "../shared/changes/recording-store.js";
import { reconciler, scheduleReconciler } from "../shared/compose/reconciler.js";
import { registryApp } from "../shared/compose/registry-app.js";
import { LOCAL_MAX_WAIT_SECONDS } from "../shared/http/blocking.js";
import { EDGE_CACHE_SECONDS } from "../shared/http/cacheable.js";
import type { Scheduled } from "../shared/reconcile/scheduler.js";
import { readLocalModeSettings } from "../shared/settings/local.js";
import type { Environment } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import { SigningKeys } from "../shared/signing/keys.js";
import { ReloadingSigning } from "../shared/signing/source.js";
import { ChangeFeed, notifyingStore } from "../shared/store/change-feed.js";
import { consoleLogger as log } from "./console-logger.js";
import { prepareDataDir } from "./data-dir.js";
import { lockDataDir } from "./data-lock.js";
import { startDnsServer } from "./dns-server.js";
import { listen } from "./listen.js";
import { openLocalStore } from "./local-store.js";
import { LocalMetrics } from "./metrics.js";
import { ensureSigningKeys, readSigningKeysFile, signingKeysPath } from "./signing-keys.js";
import { tlsServe } from "./tls.js";
import { localToken } from "./token.js";
import { localUiFiles } from "./ui-files.js";

/** How long a shutdown waits for requests in flight before closing their connections. */
const DRAIN_MS = 300;

/**
 * `muster serve`: the registry on one machine. The same app as on Lambda, over SQLite in the
 * data folder (or a DynamoDB table with MUSTER_STORE=dynamodb). Every start-up failure is a
 * ConfigError (one line) thrown after what was taken (the lock, the database) is released.
 */
export async function serve(env: Environment): Promise<void> {
  const settings = readLocalModeSettings(env);
  const { api: config, local: localSettings } = settings;
  const { port, host } = localSettings;
  const dataDir = resolve(localSettings.dataDir);
  const { dns: dnsSettings } = settings;
  const tls = localSettings.tls && tlsServe(localSettings.tls);
  const metrics = new LocalMetrics({ public: localSettings.metricsPublic });
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

    const local = await openLocalStore(localSettings.store, dataDir, config.tableName);
    release.unshift(() => local.close());
    // One store for the app and the reconciler, signalling every write to the waiting reads.
    const changes = new ChangeFeed();
    // Every join, leave and status change, for GET /v1/changes and the UI (docs/ui.md).
    const changeLog = new ChangeLog();
    const members = new Membership(changeLog);
    const store = recordingStore(
      notifyingStore(metrics.instrument(local.store), changes),
      members,
      Date.now,
    );
    seedMembership(local.store, members, Date.now()).catch((err: unknown) =>
      log.warn("the change log could not read the registry", { error: String(err) }),
    );
    // Leases that run out are leaves too: recorded within a second, waking waiting readers.
    const sweeper = setInterval(() => members.sweep(Date.now()), 1000);
    sweeper.unref();
    release.unshift(() => clearInterval(sweeper));
    const passes = reconciler({ settings: settings.reconciler, store, logger: log });
    if (passes) release.unshift(() => passes.destroy());
    const { app, scopedTokens } = registryApp({
      config,
      store,
      tokens: new TokenSet(tokens),
      tokenStore: local.tokens,
      presign: new StaticPresignKeys(presignKeys),
      logger: log,
      signing,
      blockingReads: { maxWaitSeconds: LOCAL_MAX_WAIT_SECONDS, feed: changes },
      configuredSources: passes?.sources,
      dns: dnsSettings,
      onEvent: metrics.onEvent,
      onRefusal: metrics.onRefusal,
      changes: changeLog,
      uiFiles: localUiFiles(log),
    });
    metrics.mount(app, new AnyToken(new TokenSet(tokens), scopedTokens));
    // Plain DNS answers public services only: a DNS query carries no credentials.
    const dns = localSettings.dns
      ? await startDnsServer({
          ...localSettings.dns,
          source: {
            mayRead: (service) => config.publicServices.has(service),
            list: (service) => store.list(service, Date.now()),
          },
          zone: { ...dnsSettings, ttl: EDGE_CACHE_SECONDS, now: Date.now },
          warn: (message, detail) => log.warn(message, detail),
        })
      : undefined;
    if (dns) {
      release.unshift(() => void dns.close());
      log.info(`dns listening on ${dns.host}:${dns.port} (udp, tcp) for ${dnsSettings.zone}`);
    }
    const http = await listen(app.fetch, port, host, tls);

    // The same pass as the scheduled Lambda's, every MUSTER_RECONCILE_INTERVAL seconds.
    const looping: Scheduled | undefined =
      passes &&
      scheduleReconciler(passes, {
        logger: log,
        onPass: (report) => metrics.countPass(passes.settings, report),
      });
    if (passes) {
      log.info(
        `reconciler: ${passes.sources.join(", ")} every ${passes.settings.intervalSeconds}s`,
      );
    }

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: shutting down`);
      // A pass in flight is aborted; its writes are given the drain time to finish.
      await Promise.race([looping?.stop(), new Promise((r) => setTimeout(r, DRAIN_MS))]);
      await http.close(DRAIN_MS);
      // Closing commits what is queued; every acknowledged write was already synced.
      releaseAll();
      process.exit(0);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    const origin = `${tls ? "https" : "http"}://${host}:${http.port}`;
    log.info(`web UI: ${origin}/ui (sign in with the token)`);
    // Last: whoever waits for this line may signal at once, and the handlers are in place.
    log.info(`muster listening on ${origin} (${local.where})`);
  } catch (err) {
    releaseAll();
    throw err;
  }
}
