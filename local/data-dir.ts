import { accessSync, chmodSync, constants, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";

/**
 * Makes the data folder owner-only: the folder 0700 and everything in it 0600 (it holds the
 * database, the token and private keys). A folder made by an older version with looser modes
 * is tightened. The umask makes every file created later (SQLite's -wal and -shm included)
 * owner-only too. Refuses, in one line, a folder that cannot be made or written.
 *
 * Returns the first folder this call made (the data folder, or a parent of it that did not
 * exist either), so that a start that fails later can remove what it made; undefined when the
 * folder was there already.
 */
export function prepareDataDir(dataDir: string): string | undefined {
  process.umask(0o077);
  try {
    const made = mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
    chmodSync(dataDir, 0o700);
    for (const name of readdirSync(dataDir)) {
      const path = join(dataDir, name);
      if (statSync(path).isFile()) chmodSync(path, 0o600);
    }
    accessSync(dataDir, constants.W_OK);
    return made;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `data folder ${dataDir} is not writable (${code}): give this user a folder it owns with ${Env.MUSTER_DATA_DIR} or --data-dir`,
    );
  }
}
