import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { serviceName } from "../shared/model/names.js";
import { defaultCredentials } from "./aws/credentials.js";
import { functionUrlRegion, RequestSigner } from "./aws/sigv4.js";
import type { TokenSource } from "./client/request-auth.js";
import { TIMEOUT_DEFAULT_SECONDS } from "./defaults.js";
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

/** `--timeout`: seconds per registry request, 5 when not given. */
export function timeoutFlag(value: string | undefined): number {
  return secondsFlag(value, "timeout") ?? TIMEOUT_DEFAULT_SECONDS * 1000;
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
function asUsageError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return new UsageError((err as Error).message);
  }
  return err;
}

/**
 * Parses a command's arguments (strictly: an unknown flag is a usage error); undefined once
 * `--help` has printed `usage`, for the command to exit 0.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> | undefined {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    throw asUsageError(err);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    return undefined;
  }
  return parsed;
}

/** Signing with the node's own AWS role instead of a token (`run`, `watch`, `join`). */
export const AWS_OPTIONS = {
  "aws-iam": { type: "boolean" },
  "aws-region": { type: "string" },
  "imds-endpoint": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

/**
 * `--aws-iam`: a signer under the default credential chain (environment, web identity,
 * container, instance profile through `--imds-endpoint`), for the region of the function URL
 * or `--aws-region`; undefined without the flag.
 */
export function awsSigner(
  flags: { "aws-iam"?: boolean; "aws-region"?: string; "imds-endpoint"?: string },
  env: NodeJS.ProcessEnv,
): RequestSigner | undefined {
  if (!flags["aws-iam"]) {
    if (flags["aws-region"] !== undefined) throw new UsageError("--aws-region goes with --aws-iam");
    return undefined;
  }
  const region = flags["aws-region"];
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new UsageError(`--aws-region: ${JSON.stringify(region)} is not an AWS region`);
  }
  const imdsEndpoint = flags["imds-endpoint"];
  try {
    return new RequestSigner({
      credentials: defaultCredentials(env, imdsEndpoint ? { imdsEndpoint } : {}),
      ...(region ? { region } : {}),
    });
  } catch (err) {
    throw new UsageError(`--aws-iam: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `--aws-iam` for one registry URL: its region is the function URL's or `--aws-region`. */
export function signerFor(
  url: string,
  flags: { "aws-iam"?: boolean; "aws-region"?: string; "imds-endpoint"?: string },
  env: NodeJS.ProcessEnv,
): RequestSigner | undefined {
  const signer = awsSigner(flags, env);
  if (signer && flags["aws-region"] === undefined && functionUrlRegion(url) === undefined) {
    throw new UsageError(
      `--aws-iam: ${new URL(url).host} is not a Lambda function URL (<id>.lambda-url.<region>.on.aws); give --aws-region`,
    );
  }
  return signer;
}

/** The flags of a command that talks to one service of one registry (`run`, `watch`). */
export const TARGET_OPTIONS = {
  registry: { type: "string" },
  service: { type: "string" },
  "token-file": { type: "string" },
  ...AWS_OPTIONS,
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export interface Target {
  /** An http(s) URL, as given. */
  registry: string;
  service: string;
  token: TokenSource | undefined;
  /** `--aws-iam`: requests signed with the node's AWS role. */
  signer: RequestSigner | undefined;
  /** Per request. */
  timeoutMs: number;
}

/** `--registry` (or MUSTER_REGISTRY), `--service`, the token and `--timeout` (default 5 s). */
export async function readTarget(
  flags: {
    registry?: string;
    service?: string;
    "token-file"?: string;
    timeout?: string;
    "aws-iam"?: boolean;
    "aws-region"?: string;
    "imds-endpoint"?: string;
  },
  env: NodeJS.ProcessEnv,
): Promise<Target> {
  const registry = flags.registry ?? env.MUSTER_REGISTRY;
  if (!registry) throw new UsageError("--registry is required (or set MUSTER_REGISTRY)");
  if (!URL.canParse(registry) || !/^https?:$/.test(new URL(registry).protocol)) {
    throw new UsageError(
      `--registry must be an http or https URL, not ${JSON.stringify(registry)}`,
    );
  }
  if (flags.service === undefined) throw new UsageError("--service is required");
  // The registry's own schema, so a bad name gets the words the server would answer.
  const service = serviceName.safeParse(flags.service);
  if (!service.success) {
    throw new UsageError(`--service: ${service.error.issues[0]?.message ?? "invalid"}`);
  }
  return {
    registry,
    service: service.data,
    token: await tokenSource(flags["token-file"], env),
    signer: signerFor(registry, flags, env),
    timeoutMs: timeoutFlag(flags.timeout),
  };
}
