import { readFile } from "node:fs/promises";
import type { TokenSource } from "./client/registry-client.js";
import { UsageError } from "./usage.js";

/** `--tags a,b --tags c` → [a, b, c]. */
export function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * An integer flag for the heartbeat body. Anything that is not plainly a number becomes NaN,
 * so the shared schema refuses it with the server's own words.
 */
export function numberFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}

/** Seconds, decimals allowed, as milliseconds. */
export function secondsFlag(
  value: string | undefined,
  name: string,
  min = 0.05,
): number | undefined {
  if (value === undefined) return undefined;
  const n = numberFlag(value);
  if (n === undefined || !Number.isFinite(n) || n < min || n > 86_400) {
    throw new UsageError(`--${name} must be a number of seconds, at least ${min}`);
  }
  return Math.round(n * 1000);
}

/**
 * The token from `--token-file` (read at every use, so that it can be rotated in place) or
 * MUSTER_TOKEN. The file is read once here too, to fail at start rather than at the first
 * heartbeat.
 */
export async function tokenSource(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<TokenSource | undefined> {
  if (file !== undefined) {
    const read = async () => {
      const token = (await readFile(file, "utf8")).trim();
      if (token === "") throw new Error(`token file ${file} is empty`);
      return token;
    };
    try {
      await read();
    } catch (err) {
      throw new UsageError(`--token-file: ${err instanceof Error ? err.message : String(err)}`);
    }
    return read;
  }
  const token = env.MUSTER_TOKEN?.trim();
  return token ? token : undefined;
}

/** node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes: those are usage errors. */
export function asUsageError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return new UsageError((err as Error).message);
  }
  return err;
}
