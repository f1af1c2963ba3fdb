import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Principal } from "../model/principal.js";
import { MIN_TOKEN_LENGTH, TokenSet, type TokenVerifier } from "./tokens.js";

/**
 * Bearer tokens kept in AWS Secrets Manager, so that they are never in a Lambda environment
 * variable or a CloudFormation template.
 *
 * The secret string is the tokens separated by commas or line breaks — the `MUSTER_TOKENS`
 * format, one a line also accepted. A JSON object (what the console's key/value editor writes)
 * is read the same way: each string value holds one or more tokens, the keys are ignored.
 */
export function parseTokenSecret(text: string): { tokens: string[]; tooShort: number } {
  let values = [text];
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const json: unknown = JSON.parse(trimmed);
      if (json !== null && typeof json === "object" && !Array.isArray(json)) {
        values = Object.values(json).filter((v): v is string => typeof v === "string");
      }
    } catch {
      // Not JSON after all: read as plain text, where a stray brace makes a token too short
      // or simply wrong, never a crash.
    }
  }
  const all = values.flatMap((v) => v.split(/[,\r\n]+/)).map((t) => t.trim());
  const present = all.filter((t) => t !== "");
  const tokens = [...new Set(present.filter((t) => t.length >= MIN_TOKEN_LENGTH))];
  return { tokens, tooShort: present.filter((t) => t.length < MIN_TOKEN_LENGTH).length };
}

export interface RotatingTokensOptions {
  /** Fetches the secret string. */
  load: () => Promise<string>;
  /**
   * How long a loaded set is used before the next request fetches it again: how long a
   * rotation takes to reach a warm function. Default 300,000 (five minutes).
   */
  maxAgeMs?: number;
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Told about a failed refresh or ignored tokens; never given a token. Default: nothing. */
  warn?: (message: string, detail?: Record<string, unknown>) => void;
}

export class TokensUnavailableError extends Error {
  override readonly name = "TokensUnavailableError";
}

/**
 * A token set loaded from a secret and reloaded when it is older than `maxAgeMs`. Call
 * `refresh()` before serving a request; `verify` then answers from memory. A failed reload
 * keeps the previous set (a Secrets Manager hiccup must not lock every node out); a failed
 * first load throws, since there is nothing to authenticate against.
 */
export class RotatingTokens implements TokenVerifier {
  readonly #load: () => Promise<string>;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #warn: NonNullable<RotatingTokensOptions["warn"]>;
  #set: TokenSet | undefined;
  #loadedAt = 0;
  #pending: Promise<void> | undefined;

  constructor(options: RotatingTokensOptions) {
    this.#load = options.load;
    this.#maxAgeMs = options.maxAgeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? (() => {});
  }

  get size(): number {
    return this.#set?.size ?? 0;
  }

  verify(presented: string): Principal | undefined {
    return this.#set?.verify(presented);
  }

  /** Loads the tokens if never loaded or stale. Concurrent callers share one fetch. */
  async refresh(): Promise<void> {
    if (this.#set && this.#now() - this.#loadedAt < this.#maxAgeMs) return;
    this.#pending ??= this.#reload().finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
  }

  async #reload(): Promise<void> {
    try {
      const { tokens, tooShort } = parseTokenSecret(await this.#load());
      if (tooShort > 0) {
        this.#warn(`ignored ${tooShort} token(s) shorter than ${MIN_TOKEN_LENGTH} characters`);
      }
      if (tokens.length === 0) this.#warn("the tokens secret holds no usable token");
      this.#set = new TokenSet(tokens);
      this.#loadedAt = this.#now();
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (!this.#set) throw new TokensUnavailableError(`cannot load the tokens: ${reason}`);
      // Keep serving the last good set, and try again on the next request rather than in
      // maxAgeMs: pushing loadedAt forward by a few seconds spaces the retries out.
      this.#warn("reloading the tokens failed; keeping the previous set", { reason });
      this.#loadedAt = this.#now() - this.#maxAgeMs + 5_000;
    }
  }
}

/**
 * A Secrets Manager client for the request path: short timeouts, as for DynamoDB, so that a
 * slow Secrets Manager costs seconds, not the function's whole timeout.
 */
export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
  });
}

/** `load` for RotatingTokens: the current version of one secret, by name or ARN. */
export function secretLoader(
  client: SecretsManagerClient,
  secretId: string,
): () => Promise<string> {
  return async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (out.SecretString === undefined) {
      throw new Error(`secret ${secretId} has no string value (binary secrets are not read)`);
    }
    return out.SecretString;
  };
}
