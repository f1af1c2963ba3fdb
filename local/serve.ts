import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { StaticPresignKeys } from "../shared/auth/presign.js";
import { localPresignKeys } from "../shared/auth/presign-keys.js";
import { AnyToken } from "../shared/auth/scoped-tokens.js";
import { TokenSet } from "../shared/auth/tokens.js";
import { ChangeLog } from "../shared/changes/change-log.js";
import { Membership } from "../shared/changes/membership.js";
import { recordingStore, seedMembership } from "../shared/changes/recording-store.js";
import { registryApp } from "../shared/compose/registry-app.js";
import { AnswerCache } from "../shared/http/answer-cache.js";
import { LOCAL_MAX_WAIT_SECONDS } from "../shared/http/blocking.js";
import { EDGE_CACHE_SECONDS } from "../shared/http/cacheable.js";
import { localConsulBlocking } from "../shared/http/consul/options.js";
import { WaitingReads } from "../shared/http/waiting-reads.js";
import { SOURCES } from "../shared/reconcile/pass-record.js";
import type { Scheduled } from "../shared/reconcile/scheduler.js";
import { readLocalModeSettings } from "../shared/settings/local.js";
import { Env, type Environment } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import { hasSource } from "../shared/settings/reconciler.js";
import { SigningKeys } from "../shared/signing/keys.js";
import { ReloadingSigning } from "../shared/signing/source.js";
import { ChangeFeed, notifyingStore } from "../shared/store/change-feed.js";
import { dnsBindError } from "./bind-error.js";
import { consoleLogger as log } from "./console-logger.js";
import { prepareDataDir } from "./data-dir.js";
import { lockDataDir } from "./data-lock.js";
import { startDnsServer } from "./dns-server.js";
import { listen } from "./listen.js";
import { openLocalStore } from "./local-store.js";
import { LocalMetrics } from "./metrics.js";
import { watchParent } from "./parent-watch.js";
import { ensureSigningKeys, readSigningKeysFile, signingKeysPath } from "./signing-keys.js";
import { tlsServe } from "./tls.js";
import { localToken } from "./token.js";
import { localUiFiles } from "./ui-files.js";

/** How long a shutdown waits for requests in flight before closing their connections. */
const DRAIN_MS = 300;

/**
 * `muster serve`: the registry on one machine. The same app as on Lambda, over SQLite in the
 * data folder (or a DynamoDB table with MUSTER_STORE=dynamodb). Every start-up failure is a
 * ConfigError (one line) thrown after what was taken (the ports, the lock, the database) is
 * released. The ports are claimed before anything is written, and a start that fails after
 * making the data folder removes it, so a refused start leaves no new folder or token behind.
 */
export async function serve(env: Environment): Promise<void> {
  // Whoever started us, as early as it can be known (see parent-watch.ts).
  const parent = process.ppid;
  const settings = readLocalModeSettings(env);
  const { api: config, local: localSettings } = settings;
  const { port, host } = localSettings;
  const dataDir = resolve(localSettings.dataDir);
  const { dns: dnsSettings } = settings;
  const tls = localSettings.tls && tlsServe(localSettings.tls);
  const metrics = new LocalMetrics({ public: localSettings.metricsPublic });

  // Undone in reverse order, on a refused start or at shutdown; each step whatever the one
  // before did: a failure is one line, never a stack on the way out.
  const release: (() => unknown)[] = [];
  const releaseAll = async () => {
    for (const fn of release.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(
          `muster: while stopping: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  };
  let made: string | undefined;
  let madeToken: string | undefined;

  try {
    // The network first: until the app is ready, HTTP answers 503 and DNS SERVFAIL.
    let ready: { fetch: (request: Request, env: unknown) => Response | Promise<Response> };
    ready = { fetch: starting };
    const http = await listen(
      (request, e) => ready.fetch(request, e),
      port,
      host,
      localSettings.connections,
      tls,
    );
    release.push(() => http.close(0));
    let store: ReturnType<typeof notifyingStore> | undefined;
    // Renderings kept until their service changes, once the store is known to allow it.
    let answers: AnswerCache | undefined;
    const dns = localSettings.dns
      ? await startDnsServer({
          ...localSettings.dns,
          source: {
            // Plain DNS answers public services only: a DNS query carries no credentials.
            mayRead: (service) => config.publicServices.has(service),
            list: (service) =>
              store ? store.list(service, Date.now()) : Promise.reject(new Error("starting")),
          },
          zone: { ...dnsSettings, ttl: EDGE_CACHE_SECONDS, now: Date.now },
          answers: () => answers,
          warn: (message, detail) => log.warn(message, detail),
          tcp: { maxPerClient: localSettings.connections.maxPerClient },
        }).catch((err: unknown) => {
          throw dnsBindError(err, localSettings.dns?.host ?? "", localSettings.dns?.port ?? 0);
        })
      : undefined;
    if (dns) release.push(() => dns.close());

    made = prepareDataDir(dataDir);
    release.push(lockDataDir(dataDir, (line) => console.error(`muster: ${line}`)));

    let tokens = config.tokens;
    let announce: string | undefined;
    if (tokens.length === 0) {
      const local = localToken(dataDir);
      tokens = [local.token];
      if (local.created) {
        madeToken = local.path;
        // Printed this once, when the start has succeeded; afterwards only where it is kept.
        announce = `\nmuster: made a token for this registry (kept in ${local.path}):\n\n  ${local.token}\n`;
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

    // A record that does not decode is left out of answers, never a 500 for its service.
    const local = await openLocalStore(localSettings.store, dataDir, config.tableName, (record) => {
      log.warn(`damaged ${record.kind} record ${record.key} left out and removed`, {
        reason: record.reason,
      });
      metrics.countDamaged(record);
    });
    release.push(() => local.close());
    if (local.damaged) {
      log.warn(`start-up check: ${local.damaged} damaged records quarantined (see above)`);
    }
    // One store for the app and the reconciler, signalling every write to the waiting reads.
    const changes = new ChangeFeed();
    // Every join, leave and status change, for GET /v1/changes and the UI (docs/ui.md).
    const changeLog = new ChangeLog();
    const members = new Membership(changeLog);
    store = recordingStore(
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
    release.push(() => clearInterval(sweeper));
    // Renderings are kept only when this process hears every write, i.e. the registry is in
    // the data folder it holds the lock on.
    if (local.inDataDir) answers = new AnswerCache({ versions: changes });
    // The held reads (`?wait=`), made here so that /metrics can count them.
    const waits = new WaitingReads({ feed: changes, now: Date.now });
    metrics.countWaiting(() => waits.waiting());
    // The Kubernetes source is watched here, not listed by the passes (local/kube-source.ts).
    const watched = settings.reconciler.kubernetes !== undefined;
    const passSettings = { ...settings.reconciler, kubernetes: undefined };
    // Each imported only when configured: the AWS SDK's EC2 and Cloud Map clients cost some
    // 60 MB of memory in a registry that never reconciles, the Kubernetes client more.
    const composed = hasSource(passSettings)
      ? await import("../shared/compose/reconciler.js")
      : undefined;
    const passes = composed?.reconciler({
      settings: passSettings,
      store,
      logger: log,
      followed: watched ? [SOURCES.kubernetes] : [],
    });
    if (passes) release.push(() => passes.destroy());
    const kubernetes = watched
      ? (await import("./kube-source.js")).startKubeFollower(
          settings.reconciler,
          store,
          log,
          metrics,
          env,
        )
      : undefined;
    if (kubernetes) release.push(() => kubernetes.follower.stop());
    const sources = [...(passes?.sources ?? []), ...(kubernetes?.sources ?? [])];
    const { app, scopedTokens } = registryApp({
      config,
      store,
      tokens: new TokenSet(tokens),
      tokenStore: local.tokens,
      presign: new StaticPresignKeys(presignKeys),
      logger: log,
      signing,
      blockingReads: { maxWaitSeconds: LOCAL_MAX_WAIT_SECONDS, feed: changes, waits },
      answers,
      configuredSources: sources,
      consulBlocking: localConsulBlocking(changes),
      dns: dnsSettings,
      onEvent: metrics.onEvent,
      onRefusal: metrics.onRefusal,
      changes: changeLog,
      uiFiles: localUiFiles(log),
    });
    metrics.mount(app, new AnyToken(new TokenSet(tokens), scopedTokens), config.publicServices);
    ready = app;
    if (dns)
      log.info(`dns listening on ${dns.host}:${dns.port} (udp, tcp) for ${dnsSettings.zone}`);

    // The same pass as the scheduled Lambda's, every MUSTER_RECONCILE_INTERVAL seconds.
    const looping: Scheduled | undefined =
      passes &&
      composed?.scheduleReconciler(passes, {
        logger: log,
        onPass: (report) => metrics.countPass(passes.settings, report),
      });
    if (passes) {
      log.info(
        `reconciler: ${passes.sources.join(", ")} every ${passes.settings.intervalSeconds}s`,
      );
    }

    let stopping = false;
    const stop = async (why: string) => {
      // A second signal (a terminal's Ctrl-C reaches npm and the server, and npm passes it
      // on) must not cut the drain short.
      if (stopping) return;
      stopping = true;
      log.info(`${why}: shutting down`);
      // A pass or sync in flight is aborted; its writes are given the drain time to finish.
      await Promise.race([
        Promise.all([looping?.stop(), kubernetes?.follower.stop()]),
        new Promise((r) => setTimeout(r, DRAIN_MS)),
      ]);
      await http.close(DRAIN_MS);
      // Closing commits what is queued; every acknowledged write was already synced.
      await releaseAll();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    if (!localSettings.outliveParent) {
      watchParent(
        () =>
          void stop(
            `the process that started muster (pid ${parent}) has exited (${Env.MUSTER_OUTLIVE_PARENT}=true keeps muster running then)`,
          ),
        parent,
      );
    }
    if (announce) console.log(announce);
    const origin = `${tls ? "https" : "http"}://${host}:${http.port}`;
    log.info(`web UI: ${origin}/ui (sign in with the token)`);
    // Last: whoever waits for this line may signal at once, and the handlers are in place.
    log.info(`muster listening on ${origin} (${local.where})`);
  } catch (err) {
    await releaseAll();
    // What this start made and never served with goes: a new data folder, or a new token.
    if (made) rmSync(made, { recursive: true, force: true });
    else if (madeToken) rmSync(madeToken, { force: true });
    throw err;
  }
}

/** What HTTP answers between claiming the port and the app being ready (a second at most). */
function starting(): Response {
  return Response.json(
    { error: { code: "starting", message: "the registry is starting; retry in a second" } },
    { status: 503, headers: { "Retry-After": "1" } },
  );
}
