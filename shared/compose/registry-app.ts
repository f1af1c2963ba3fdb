import type { Hono } from "hono";
import type { PresignKeys } from "../auth/presign.js";
import type { TokenVerifier } from "../auth/tokens.js";
import { type AppOptions, createApp } from "../http/app.js";
import type { ConsulBlocking } from "../http/consul/options.js";
import type { AppEnv } from "../http/env.js";
import { securityOptions } from "../http/security.js";
import type { AppLogger } from "../logging.js";
import { discoveryFromTable } from "../reconcile/status.js";
import type { ApiSettings } from "../settings/api.js";
import type { DnsSettings } from "../settings/dns.js";
import type { RegistryStore, TokenStore } from "../store/store.js";

/** What differs between the Lambda API and local mode; the rest is read from `config`. */
export interface RegistryParts
  extends Pick<
    AppOptions,
    "signing" | "blockingReads" | "answers" | "onEvent" | "onRefusal" | "iam" | "changes"
  > {
  /** How Consul's blocking queries are held here (shared/http/consul/options.ts). */
  consulBlocking: ConsulBlocking;
  config: ApiSettings;
  store: RegistryStore;
  /** The bootstrap tokens: fixed, or reloaded from a secret. */
  tokens: TokenVerifier;
  /** Where scoped tokens are kept: made by the root beside `store`, on the same engine. */
  tokenStore: TokenStore;
  presign: PresignKeys | undefined;
  logger: AppLogger;
  dns: DnsSettings;
  /** The discovery sources this deployment runs (for /v1/discovery/health). Default: none. */
  configuredSources?: string[];
  /** The web UI's built files (ui/build.mjs), read on the first /ui request. Default: no UI. */
  uiFiles?: () => Promise<Map<string, Uint8Array>>;
}

/**
 * The composition root: the one place the HTTP app is assembled from configuration, shared by
 * the Lambda entry (lambda-api.ts) and local mode (local/serve.ts) so that the two cannot
 * drift. Returns the app and the scoped tokens it checks (local mode's /metrics accepts them).
 */
export function registryApp(parts: RegistryParts): {
  app: Hono<AppEnv>;
  scopedTokens: AppOptions["scopedTokens"];
} {
  const { config, store } = parts;
  const security = securityOptions(config, parts.tokenStore, parts.presign);
  const app = createApp({
    store,
    tokens: parts.tokens,
    ...security,
    publicServices: config.publicServices,
    logger: parts.logger,
    signing: parts.signing,
    blockingReads: parts.blockingReads,
    answers: parts.answers,
    discovery: discoveryFromTable({ store, configured: parts.configuredSources }),
    dns: parts.dns,
    onEvent: parts.onEvent,
    onRefusal: parts.onRefusal,
    consul: { datacenter: config.consulDatacenter, blocking: parts.consulBlocking },
    iam: parts.iam,
    changes: parts.changes,
    ui: parts.uiFiles && { assets: parts.uiFiles, pollSeconds: config.uiPollSeconds },
  });
  return { app, scopedTokens: security.scopedTokens };
}
