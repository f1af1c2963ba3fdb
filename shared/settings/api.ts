import { type IamRoleMap, parseIamRoles } from "../auth/iam-roles.js";
import { baseUrl } from "../auth/presign.js";
import { parsePresignKeys } from "../auth/presign-keys.js";
import { MIN_TOKEN_LENGTH } from "../auth/tokens.js";
import { serviceName } from "../model/names.js";
import { SHARDS } from "../store/dynamodb/keys.js";
import * as z from "../validation/zod.js";
import { Env, type Environment } from "./names.js";
import { decimal, given, list, readSection, tableName, variablesOf, wholeNumber } from "./read.js";

/**
 * The most MUSTER_MAX_WAIT_SECONDS may be: the API function's timeout is 15 s, and a held read
 * must end (304) with time to spare for the store's own retries.
 */
export const LAMBDA_MAX_WAIT_SECONDS = 10;

/**
 * Lambda: how long after answering a Consul watcher whose index did not move the same
 * question is answered again (shared/http/consul/reask.ts). 25 s is where Consul's Go watch
 * plans ask again after a refusal (5 s, then 20 s more), so they are answered every 25 s and
 * refused once in between, at about $0.40 a watcher-month; Prometheus (every 30 s) is never
 * refused. `npm run cost` prices this against shorter intervals and held waits.
 */
export const CONSUL_REASK_SECONDS_DEFAULT = 25;

/** A Secrets Manager secret, by ARN or by name. */
const secretId = z.optional(
  z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, "must be a Secrets Manager secret ARN or name"),
    ),
);

const schema = z.object({
  MUSTER_TABLE: tableName,
  MUSTER_TOKENS: list(
    z
      .string()
      .check(
        z.minLength(MIN_TOKEN_LENGTH, `each token must be at least ${MIN_TOKEN_LENGTH} characters`),
      ),
  ).check(z.maxLength(100)),
  MUSTER_TOKENS_SECRET_ARN: secretId,
  MUSTER_PUBLIC_SERVICES: list(serviceName),
  MUSTER_TOKEN_CACHE_SECONDS: wholeNumber(0, 300, 5),
  MUSTER_RATE_LIMIT: decimal(0, 1_000_000, 500),
  MUSTER_RATE_BURST: wholeNumber(1, 10_000_000),
  MUSTER_MAX_INSTANCES_PER_SERVICE: wholeNumber(0, 10_000_000, 100_000),
  MUSTER_MAX_INSTANCES_PER_TOKEN: wholeNumber(0, 10_000_000, 10_000),
  MUSTER_BASE_URL: z.optional(baseUrl),
  MUSTER_PRESIGN_KEYS: z.optional(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        try {
          return parsePresignKeys(text);
        } catch (err) {
          // parsePresignKeys never puts a key in its message.
          ctx.issues.push({ code: "custom", message: (err as Error).message, input: "" });
          return z.NEVER;
        }
      }),
    ),
  ),
  MUSTER_PRESIGN_KEYS_SECRET_ARN: secretId,
  MUSTER_SIGNING_KEYS_SECRET_ARN: secretId,
  MUSTER_SHARD_CONCURRENCY: wholeNumber(1, SHARDS, SHARDS),
  MUSTER_MAX_WAIT_SECONDS: wholeNumber(0, LAMBDA_MAX_WAIT_SECONDS, 0),
  // Consul's own rule for a datacenter's name, lowercase.
  MUSTER_CONSUL_DATACENTER: z._default(
    z.string().check(z.regex(/^[a-z0-9_-]{1,64}$/, "must be 1-64 of a-z, 0-9, _ and -")),
    "dc1",
  ),
  MUSTER_CONSUL_REASK_SECONDS: wholeNumber(1, 3600, CONSUL_REASK_SECONDS_DEFAULT),
  MUSTER_IAM_ROLES: z.optional(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        try {
          return parseIamRoles(text);
        } catch (err) {
          ctx.issues.push({ code: "custom", message: (err as Error).message, input: "" });
          return z.NEVER;
        }
      }),
    ),
  ),
  MUSTER_UI_POLL_SECONDS: wholeNumber(2, 3600, 10),
});

export const API_VARIABLES = variablesOf(schema);

/** The HTTP API's settings, on Lambda and in local mode alike. */
export interface ApiSettings {
  tableName: string;
  tokens: string[];
  publicServices: Set<string>;
  /** How long a verified scoped token is answered from memory (0: never). */
  tokenCacheSeconds: number;
  /** Per token per process; ratePerSecond 0: no limit. */
  rateLimit: { ratePerSecond: number; burst: number };
  /** 0: no cap. */
  maxInstancesPerService: number;
  /** 0: no cap. */
  maxInstancesPerToken: number;
  /** MUSTER_BASE_URL: origin of minted presigned URLs when the request names none. */
  baseUrl: string | undefined;
  /** MUSTER_PRESIGN_KEYS, when set: `{kid: secret}`. */
  presignKeys: Record<string, string> | undefined;
  /**
   * Secrets Manager secrets (by ARN or name) the Lambda API loads and reloads when the
   * matching variable above is unset: MUSTER_TOKENS_SECRET_ARN, MUSTER_SIGNING_KEYS_SECRET_ARN
   * (without it, reads are unsigned), MUSTER_PRESIGN_KEYS_SECRET_ARN.
   */
  secrets: { tokens?: string; signingKeys?: string; presignKeys?: string };
  /** Shards of a service read at once (DynamoStore's shardConcurrency); default all. */
  shardConcurrency: number;
  /**
   * Lambda only: the longest blocking read (`?wait=`) granted, 0 (the default) refusing them.
   * Local mode holds reads open up to its own fixed limit and ignores this.
   */
  lambdaMaxWaitSeconds: number;
  /** The datacenter Consul's API answers as (its clients' `dc`, Prometheus's `__meta_consul_dc`). */
  consulDatacenter: string;
  /** Lambda only: one unchanged answer per Consul watcher this often at most (seconds). */
  consulReaskSeconds: number;
  /**
   * Lambda only: IAM roles whose SigV4-signed requests to the function URL are principals of
   * their own (shared/auth/iam-roles.ts); empty, every request needs a token. Local mode has
   * no IAM in front of it and ignores this.
   */
  iamRoles: IamRoleMap;
  /**
   * How often the web UI (/ui) re-reads what it shows with If-None-Match where the registry
   * does not wake waiting reads in process (Lambda). Local mode's UI waits (`?wait=`) instead.
   */
  uiPollSeconds: number;
}

/**
 * Reads the API's variables, naming every bad one; never a token's or a key's value.
 * `defaults.table`: the table when MUSTER_TABLE is unset (local mode's `muster`); required
 * otherwise.
 */
export function readApiSettings(env: Environment, defaults: { table?: string } = {}): ApiSettings {
  const table = given(env, Env.MUSTER_TABLE) ?? defaults.table;
  const d = readSection(schema, { ...env, [Env.MUSTER_TABLE]: table });
  return {
    tableName: d.MUSTER_TABLE,
    tokens: d.MUSTER_TOKENS,
    publicServices: new Set(d.MUSTER_PUBLIC_SERVICES),
    tokenCacheSeconds: d.MUSTER_TOKEN_CACHE_SECONDS,
    // A burst of twice the rate (at least one request) unless told otherwise.
    rateLimit: {
      ratePerSecond: d.MUSTER_RATE_LIMIT,
      burst: d.MUSTER_RATE_BURST ?? Math.max(1, Math.ceil(d.MUSTER_RATE_LIMIT * 2)),
    },
    maxInstancesPerService: d.MUSTER_MAX_INSTANCES_PER_SERVICE,
    maxInstancesPerToken: d.MUSTER_MAX_INSTANCES_PER_TOKEN,
    baseUrl: d.MUSTER_BASE_URL,
    presignKeys: d.MUSTER_PRESIGN_KEYS,
    secrets: {
      tokens: d.MUSTER_TOKENS_SECRET_ARN,
      signingKeys: d.MUSTER_SIGNING_KEYS_SECRET_ARN,
      presignKeys: d.MUSTER_PRESIGN_KEYS_SECRET_ARN,
    },
    shardConcurrency: d.MUSTER_SHARD_CONCURRENCY,
    lambdaMaxWaitSeconds: d.MUSTER_MAX_WAIT_SECONDS,
    consulDatacenter: d.MUSTER_CONSUL_DATACENTER,
    consulReaskSeconds: d.MUSTER_CONSUL_REASK_SECONDS,
    iamRoles: d.MUSTER_IAM_ROLES ?? new Map(),
    uiPollSeconds: d.MUSTER_UI_POLL_SECONDS,
  };
}
