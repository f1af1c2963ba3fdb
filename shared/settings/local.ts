import * as z from "../validation/zod.js";
import { type ApiSettings, readApiSettings } from "./api.js";
import { type DnsSettings, readDnsSettings } from "./dns.js";
import { Env, type Environment } from "./names.js";
import { flag, given, readSection, readSections, variablesOf, wholeNumber } from "./read.js";
import { type ReconcilerSettings, readReconcilerSettings } from "./reconciler.js";

/** Local mode's table when MUSTER_TABLE is unset (used with MUSTER_STORE=dynamodb). */
export const LOCAL_TABLE = "muster";

const schema = z.object({
  MUSTER_DATA_DIR: z._default(z.string(), ".muster"),
  PORT: wholeNumber(0, 65535, 8787),
  HOST: z._default(z.string(), "127.0.0.1"),
  MUSTER_STORE: z._default(z.string(), "sqlite"),
  MUSTER_TLS_CERT: z.optional(z.string()),
  MUSTER_TLS_KEY: z.optional(z.string()),
  MUSTER_DNS_PORT: wholeNumber(0, 65535),
  MUSTER_DNS_HOST: z._default(z.string(), "127.0.0.1"),
  MUSTER_METRICS_PUBLIC: flag,
  MUSTER_HEADERS_TIMEOUT_SECONDS: wholeNumber(1, 300, 20),
  MUSTER_REQUEST_TIMEOUT_SECONDS: wholeNumber(1, 3600, 60),
  MUSTER_IDLE_TIMEOUT_SECONDS: wholeNumber(1, 3600, 60),
  MUSTER_MAX_CONNECTIONS_PER_CLIENT: wholeNumber(1, 1_000_000, 1024),
  MUSTER_OUTLIVE_PARENT: flag,
});

export const LOCAL_VARIABLES = [...variablesOf(schema), Env.MUSTER_DEBUG];

/** What only local mode's long-lived process reads (`muster serve`). */
export interface LocalSettings {
  /** The data folder, relative as given. */
  dataDir: string;
  /** Where HTTP listens; port 0: any free port. */
  port: number;
  host: string;
  /** MUSTER_STORE: the store engine, `sqlite` unless told otherwise (local-store.ts checks it). */
  store: string;
  /** The PEM files of HTTPS; undefined: plain HTTP. */
  tls: { cert: string; key: string } | undefined;
  /** Plain DNS, off unless MUSTER_DNS_PORT is set; port 0: any free port. */
  dns: { host: string; port: number } | undefined;
  /** `GET /metrics` without a token. */
  metricsPublic: boolean;
  /**
   * Keep serving when the process that started muster exits (`nohup … &`); by default the
   * server stops then, so that a wrapper killed by a supervisor does not leave it running.
   */
  outliveParent: boolean;
  /** What a client connection may take of the server (docs/hardening.md). */
  connections: ConnectionLimits;
}

/** How long an HTTP client may take, and how many connections one address may hold. */
export interface ConnectionLimits {
  /** From a request's first byte to the end of its headers (HTTP/1.1). */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body (HTTP/1.1 and HTTP/2). */
  requestTimeoutMs: number;
  /** HTTP/1.1 between requests; HTTP/2 while no stream is open. */
  idleTimeoutMs: number;
  /** Open connections from one client address (IPv6: one /64), HTTP and DNS over TCP each. */
  maxPerClient: number;
}

export function readLocalSettings(env: Environment): LocalSettings {
  const d = readSection(schema, env, (v) => [
    // One without the other is a mistake, not a silent downgrade to HTTP.
    ...((v.MUSTER_TLS_CERT === undefined) !== (v.MUSTER_TLS_KEY === undefined)
      ? [`${Env.MUSTER_TLS_CERT} and ${Env.MUSTER_TLS_KEY} must be set together`]
      : []),
    // Node refuses a headers timeout longer than the request's (the headers are in it).
    ...(v.MUSTER_HEADERS_TIMEOUT_SECONDS > v.MUSTER_REQUEST_TIMEOUT_SECONDS
      ? [
          `${Env.MUSTER_HEADERS_TIMEOUT_SECONDS} must not be longer than ${Env.MUSTER_REQUEST_TIMEOUT_SECONDS}`,
        ]
      : []),
  ]);
  return {
    dataDir: d.MUSTER_DATA_DIR,
    port: d.PORT,
    host: d.HOST,
    store: d.MUSTER_STORE,
    tls:
      d.MUSTER_TLS_CERT !== undefined && d.MUSTER_TLS_KEY !== undefined
        ? { cert: d.MUSTER_TLS_CERT, key: d.MUSTER_TLS_KEY }
        : undefined,
    dns:
      d.MUSTER_DNS_PORT === undefined
        ? undefined
        : { host: d.MUSTER_DNS_HOST, port: d.MUSTER_DNS_PORT },
    metricsPublic: d.MUSTER_METRICS_PUBLIC,
    connections: {
      headersTimeoutMs: d.MUSTER_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: d.MUSTER_REQUEST_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: d.MUSTER_IDLE_TIMEOUT_SECONDS * 1000,
      maxPerClient: d.MUSTER_MAX_CONNECTIONS_PER_CLIENT,
    },
    outliveParent: d.MUSTER_OUTLIVE_PARENT,
  };
}

/**
 * MUSTER_DEBUG: any value prints the stack of an unexpected start-up failure. Read on its own,
 * since it is wanted exactly when the rest could not be.
 */
export function readDebug(env: Environment): boolean {
  return given(env, Env.MUSTER_DEBUG) !== undefined;
}

/** Everything `muster serve` runs, read at once so that every bad variable is named together. */
export interface LocalModeSettings {
  api: ApiSettings;
  reconciler: ReconcilerSettings;
  dns: DnsSettings;
  local: LocalSettings;
}

export function readLocalModeSettings(env: Environment): LocalModeSettings {
  const table = { table: LOCAL_TABLE };
  return readSections({
    api: () => readApiSettings(env, table),
    reconciler: () => readReconcilerSettings(env, table),
    dns: () => readDnsSettings(env),
    local: () => readLocalSettings(env),
  });
}
