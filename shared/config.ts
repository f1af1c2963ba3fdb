import { z } from "zod";
import { MIN_TOKEN_LENGTH } from "./auth/tokens.js";
import { serviceName } from "./model/names.js";

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** Settings shared by every way of running the registry, read from the environment. */
const schema = z.object({
  MUSTER_TABLE: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name"),
  MUSTER_TOKENS: z
    .array(
      z
        .string()
        .min(MIN_TOKEN_LENGTH, `each token must be at least ${MIN_TOKEN_LENGTH} characters`),
    )
    .max(100),
  MUSTER_PUBLIC_SERVICES: z.array(serviceName),
});

export interface Config {
  tableName: string;
  tokens: string[];
  publicServices: Set<string>;
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
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join("; ")}`);
  }
  return {
    tableName: parsed.data.MUSTER_TABLE,
    tokens: parsed.data.MUSTER_TOKENS,
    publicServices: new Set(parsed.data.MUSTER_PUBLIC_SERVICES),
  };
}
