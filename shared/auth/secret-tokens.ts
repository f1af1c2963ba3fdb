import type { Principal } from "../model/principal.js";
import { Reloading, type ReloadingOptions } from "../secrets/reloading.js";
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

export type RotatingTokensOptions = Omit<ReloadingOptions<TokenSet>, "what" | "parse">;

export class TokensUnavailableError extends Error {
  override readonly name = "TokensUnavailableError";
  readonly retryAfterSeconds = 5;
}

/**
 * A token set loaded from a secret and reloaded as any secret-backed set is (Reloading: a
 * failed load keeps the previous set and is retried a few seconds later). The app calls
 * `refresh()` before serving a request, which throws TokensUnavailableError (503) while no set
 * has ever loaded; `verify` then answers from memory.
 */
export class RotatingTokens implements TokenVerifier {
  readonly #set: Reloading<TokenSet>;

  constructor(options: RotatingTokensOptions) {
    const warn = options.warn ?? (() => {});
    this.#set = new Reloading({
      ...options,
      what: "the tokens",
      parse: (text) => {
        const { tokens, tooShort } = parseTokenSecret(text);
        if (tooShort > 0) {
          warn(`ignored ${tooShort} token(s) shorter than ${MIN_TOKEN_LENGTH} characters`);
        }
        if (tokens.length === 0) warn("the tokens secret holds no usable token");
        return new TokenSet(tokens);
      },
    });
  }

  get size(): number {
    return this.#set.current()?.size ?? 0;
  }

  verify(presented: string): Principal | undefined {
    return this.#set.current()?.verify(presented);
  }

  /** Loads the tokens if never loaded or stale. Concurrent callers share one fetch. */
  async refresh(): Promise<void> {
    if (!(await this.#set.get())) {
      throw new TokensUnavailableError("the registry cannot load its tokens");
    }
  }
}
