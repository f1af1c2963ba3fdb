import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type PresignKeys, presignKeySet, StaticPresignKeys } from "./presign.js";

/** Reads a key set (`{"kid": "secret", …}`), naming what is wrong but never a key. */
export function parsePresignKeys(text: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('presign keys must be a JSON object {"<kid>": "<secret>"}');
  }
  const parsed = presignKeySet.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message);
    throw new Error(`invalid presign keys: ${[...new Set(problems)].join("; ")}`);
  }
  return parsed.data;
}

/**
 * Local mode's keys: made once in the data folder, readable by its owner only, like the local
 * token. Rotate by adding a key at the end of the file and restarting; remove the old one to
 * kill the URLs signed with it.
 */
export function localPresignKeys(dataDir: string): { keys: Record<string, string>; path: string } {
  const path = join(dataDir, "presign-keys.json");
  if (!existsSync(path)) {
    const keys = { k1: randomBytes(32).toString("base64url") };
    writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  }
  return { keys: parsePresignKeys(readFileSync(path, "utf8")), path };
}

export interface RotatingPresignKeysOptions {
  /** Fetches the secret string (secretLoader in secret-tokens.ts). */
  load: () => Promise<string>;
  /** How long a loaded set is used; how long a rotation takes to reach a warm function. */
  maxAgeMs?: number;
  now?: () => number;
  /** Told about failures; never given a key. */
  warn?: (message: string, detail?: Record<string, unknown>) => void;
}

/**
 * Keys from a Secrets Manager secret, reloaded like the tokens (secret-tokens.ts). Unlike the
 * tokens, a failed first load is not fatal: bearer tokens keep working, and presigned URLs are
 * refused (bad_signature) until the keys load.
 */
export class RotatingPresignKeys implements PresignKeys {
  readonly #options: Required<Omit<RotatingPresignKeysOptions, "warn">> &
    Pick<RotatingPresignKeysOptions, "warn">;
  #keys: StaticPresignKeys | undefined;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(options: RotatingPresignKeysOptions) {
    this.#options = { maxAgeMs: 300_000, now: Date.now, ...options };
  }

  get(kid: string): Buffer | undefined {
    return this.#keys?.get(kid);
  }

  signing(): { kid: string; key: Buffer } | undefined {
    return this.#keys?.signing();
  }

  async refresh(): Promise<void> {
    if (this.#options.now() - this.#loadedAt < this.#options.maxAgeMs) return;
    this.#pending ??= this.#reload().finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
  }

  async #reload(): Promise<void> {
    try {
      this.#keys = new StaticPresignKeys(parsePresignKeys(await this.#options.load()));
      this.#loadedAt = this.#options.now();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#options.warn?.("cannot load the presign keys; keeping the previous set", { reason });
      // Try again in a few seconds rather than on every request.
      this.#loadedAt = this.#options.now() - this.#options.maxAgeMs + 5_000;
    }
  }
}
