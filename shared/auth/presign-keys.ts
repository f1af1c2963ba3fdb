import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Reloading, type ReloadingOptions } from "../secrets/reloading.js";
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

export type RotatingPresignKeysOptions = Omit<
  ReloadingOptions<StaticPresignKeys>,
  "what" | "parse"
>;

/**
 * Keys from a Secrets Manager secret, reloaded as any secret-backed set is (Reloading). While
 * none has loaded, bearer tokens keep working and presigned URLs are refused (bad_signature).
 * `refresh()` is called only by a request that needs the keys (a presigned or join URL,
 * minting one), never by a heartbeat.
 */
export class RotatingPresignKeys implements PresignKeys {
  readonly #keys: Reloading<StaticPresignKeys>;

  constructor(options: RotatingPresignKeysOptions) {
    this.#keys = new Reloading({
      ...options,
      what: "the presign keys",
      parse: (text) => new StaticPresignKeys(parsePresignKeys(text)),
    });
  }

  get(kid: string): Buffer | undefined {
    return this.#keys.current()?.get(kid);
  }

  signing(): { kid: string; key: Buffer } | undefined {
    return this.#keys.current()?.signing();
  }

  async refresh(): Promise<void> {
    await this.#keys.get();
  }
}
