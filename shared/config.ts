import { baseUrl } from "./auth/presign.js";
import { parsePresignKeys } from "./auth/presign-keys.js";
import { MIN_TOKEN_LENGTH } from "./auth/tokens.js";
import { serviceName } from "./model/names.js";
import { SHARDS } from "./store/dynamodb/keys.js";
import * as z from "./validation/zod.js";

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** A Secrets Manager secret, by ARN or by name; empty means unset. */
const secretId = z.optional(
  z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, "must be a Secrets Manager secret ARN or name"),
    ),
);

/** Settings shared by every way of running the registry, read from the environment. */
const schema = z.object({
  MUSTER_TABLE: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name")),
  MUSTER_TOKENS: z
    .array(
      z
        .string()
        .check(
          z.minLength(
            MIN_TOKEN_LENGTH,
            `each token must be at least ${MIN_TOKEN_LENGTH} characters`,
          ),
        ),
    )
    .check(z.maxLength(100)),
  MUSTER_PUBLIC_SERVICES: z.array(serviceName),
  MUSTER_TOKEN_CACHE_SECONDS: wholeNumber(0, 300, 5),
  MUSTER_RATE_LIMIT: z._default(z.coerce.number().check(z.gte(0), z.lte(1_000_000)), 500),
  MUSTER_RATE_BURST: z.optional(wholeNumber(1, 10_000_000)),
  MUSTER_MAX_INSTANCES_PER_SERVICE: wholeNumber(0, 10_000_000, 100_000),
  MUSTER_MAX_INSTANCES_PER_TOKEN: wholeNumber(0, 10_000_000, 10_000),
  MUSTER_BASE_URL: z.optional(baseUrl),
  MUSTER_TOKENS_SECRET_ARN: secretId,
  MUSTER_SIGNING_KEYS_SECRET_ARN: secretId,
  MUSTER_PRESIGN_KEYS_SECRET_ARN: secretId,
  MUSTER_DATA_DIR: z._default(z.string(), ".muster"),
  PORT: wholeNumber(0, 65535, 8787),
  HOST: z._default(z.string(), "127.0.0.1"),
  MUSTER_SHARD_CONCURRENCY: wholeNumber(1, SHARDS, SHARDS),
});

/** An optional whole number from the environment, within bounds; empty means unset. */
function wholeNumber(min: number, max: number, fallback?: number) {
  const n = z.coerce.number().check(z.int(), z.gte(min), z.lte(max));
  return z.pipe(
    z.transform((v: unknown) => (v === "" ? undefined : v)),
    fallback === undefined ? n : z._default(n, fallback),
  );
}

export interface Config {
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
  /** Local mode only: the data folder (MUSTER_DATA_DIR, relative as given) and where to listen. */
  local: { dataDir: string; port: number; host: string };
  /** Shards of a service read at once (DynamoStore's shardConcurrency); default all. */
  shardConcurrency: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads the environment, failing with every bad variable named. The token values are never
 * part of an error message.
 */
export function readConfig(env: NodeJS.ProcessEnv, defaults: { table?: string } = {}): Config {
  const parsed = schema.safeParse({
    MUSTER_TABLE: env.MUSTER_TABLE ?? defaults.table,
    MUSTER_TOKENS: list(env.MUSTER_TOKENS),
    MUSTER_PUBLIC_SERVICES: list(env.MUSTER_PUBLIC_SERVICES),
    MUSTER_TOKEN_CACHE_SECONDS: env.MUSTER_TOKEN_CACHE_SECONDS,
    MUSTER_RATE_LIMIT: env.MUSTER_RATE_LIMIT || undefined,
    MUSTER_RATE_BURST: env.MUSTER_RATE_BURST,
    MUSTER_MAX_INSTANCES_PER_SERVICE: env.MUSTER_MAX_INSTANCES_PER_SERVICE,
    MUSTER_MAX_INSTANCES_PER_TOKEN: env.MUSTER_MAX_INSTANCES_PER_TOKEN,
    MUSTER_BASE_URL: env.MUSTER_BASE_URL || undefined,
    MUSTER_TOKENS_SECRET_ARN: env.MUSTER_TOKENS_SECRET_ARN || undefined,
    MUSTER_SIGNING_KEYS_SECRET_ARN: env.MUSTER_SIGNING_KEYS_SECRET_ARN || undefined,
    MUSTER_PRESIGN_KEYS_SECRET_ARN: env.MUSTER_PRESIGN_KEYS_SECRET_ARN || undefined,
    MUSTER_DATA_DIR: env.MUSTER_DATA_DIR || undefined,
    PORT: env.PORT,
    HOST: env.HOST || undefined,
    MUSTER_SHARD_CONCURRENCY: env.MUSTER_SHARD_CONCURRENCY,
  });
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  let presignKeys: Record<string, string> | undefined;
  if (env.MUSTER_PRESIGN_KEYS) {
    try {
      presignKeys = parsePresignKeys(env.MUSTER_PRESIGN_KEYS);
    } catch (err) {
      // parsePresignKeys never puts a key in its message.
      problems.push(`MUSTER_PRESIGN_KEYS: ${(err as Error).message}`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join("; ")}`);
  }
  const d = parsed.data;
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
    presignKeys,
    secrets: {
      tokens: d.MUSTER_TOKENS_SECRET_ARN,
      signingKeys: d.MUSTER_SIGNING_KEYS_SECRET_ARN,
      presignKeys: d.MUSTER_PRESIGN_KEYS_SECRET_ARN,
    },
    local: { dataDir: d.MUSTER_DATA_DIR, port: d.PORT, host: d.HOST },
    shardConcurrency: d.MUSTER_SHARD_CONCURRENCY,
  };
}
