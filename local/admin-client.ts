import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TOKEN_HEADER } from "../shared/http/auth.js";
import { whyUnreachable } from "../shared/net/why-unreachable.js";
import { readAdminCliSettings } from "../shared/settings/admin-cli.js";
import { Env, type Environment } from "../shared/settings/names.js";

/**
 * What the admin CLIs (token-cli.ts, presign-cli.ts) share: they talk to a running registry's
 * admin endpoints over HTTP with an admin token, never to the table. One path for local mode
 * (where `npm start` holds the embedded engine's data folder locked) and for AWS (the stack's
 * RegistryUrl with the bootstrap token from its secret); and the server that checks the
 * request is the one whose cache a revocation must reach.
 */
export interface AdminTarget {
  registry: string;
  token: string;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Flags every admin CLI takes: where the registry is, and the admin token. */
export const TARGET_OPTIONS = {
  registry: { type: "string" },
  "token-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const TARGET_USAGE = `Where, and as whom:
  --registry <url>     the registry (default $${Env.MUSTER_REGISTRY}, else http://127.0.0.1:8787)
  --token-file <file>  an admin token (default $${Env.MUSTER_TOKEN}, else the local registry's
                       $${Env.MUSTER_DATA_DIR}/token, .muster/token by default)`;

export function adminTarget(
  values: { registry?: string | undefined; "token-file"?: string | undefined },
  env: Environment,
): AdminTarget {
  const settings = readAdminCliSettings(env);
  const registry = (values.registry ?? settings.registry ?? "http://127.0.0.1:8787").replace(
    /\/+$/,
    "",
  );
  if (!/^https?:\/\/[^/]+/.test(registry)) {
    throw new UsageError(`--registry must be an http(s) URL, got ${JSON.stringify(registry)}`);
  }
  let token = settings.token;
  const file =
    values["token-file"] ?? (token ? undefined : join(resolve(settings.dataDir), "token"));
  if (file !== undefined) {
    if (!existsSync(file))
      throw new UsageError(`no admin token: ${file} does not exist (see --token-file)`);
    token = readFileSync(file, "utf8").trim();
  }
  if (!token) throw new UsageError(`no admin token (set ${Env.MUSTER_TOKEN} or pass --token-file)`);
  return { registry, token };
}

const TIMEOUT_MS = 15_000;

/** One admin request; a refusal becomes an Error carrying the registry's own message. */
export async function adminRequest(
  target: AdminTarget,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<unknown> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(`${target.registry}${path}`, {
      method,
      // The token in both headers: X-Muster-Token is the one that passes CloudFront's origin
      // access control (RegistryUrl), which also needs a POST body's SHA-256.
      headers: {
        Authorization: `Bearer ${target.token}`,
        [TOKEN_HEADER]: target.token,
        ...(text === undefined
          ? {}
          : {
              "Content-Type": "application/json",
              "x-amz-content-sha256": createHash("sha256").update(text).digest("hex"),
            }),
      },
      ...(text === undefined ? {} : { body: text }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    // fetch says only "fetch failed": say why, and what to do about it.
    const why =
      (err as Error).name === "TimeoutError"
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : whyUnreachable(err, target.registry);
    throw new Error(`cannot reach ${target.registry}: ${why}`);
  }
  if (res.status === 204) return undefined;
  const answer = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(answer);
  } catch {
    throw new Error(`${method} ${path}: ${res.status}, not JSON: ${answer.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = (
      json as {
        error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
      }
    ).error;
    const issues = (err?.issues ?? []).map((i) => `\n  ${i.path}: ${i.message}`).join("");
    throw new Error(`${res.status} ${err?.code ?? ""}: ${err?.message ?? answer}${issues}`);
  }
  return json;
}

/** `30d`, `12h`, `90m`, `3600` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`not a duration: ${JSON.stringify(text)} (e.g. 3600, 12h, 30d)`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** Runs a CLI's main: usage errors exit 2, anything else 1, with one line on stderr. */
export function runCli(name: string, usage: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${name}: ${err.message}\n\n${usage}`);
      process.exit(2);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`${name}: ${message}`);
    process.exit(1);
  });
}
