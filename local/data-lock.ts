import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../shared/settings/read.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/**
 * One registry per data folder: a second one on the same SQLite file would keep its own
 * caches (tokens, the flood guard) apart from the first. Refused at start with the holder's
 * pid; a lock left by a process that died is taken over. Returns the release function, which
 * never throws: a lock it cannot remove (the folder made read-only meanwhile, say) is said in
 * one line to `warn`, and the shutdown goes on.
 */
export function lockDataDir(dataDir: string, warn: (line: string) => void): () => void {
  const path = join(dataDir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return () => {
        try {
          rmSync(path, { force: true });
        } catch (err) {
          warn(
            `could not remove the lock ${path} (${reason(err)}): remove it before the next start`,
          );
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConfigError(`cannot lock ${dataDir}: ${path}: ${reason(err)}`);
      }
      let holder: number;
      try {
        holder = Number(readFileSync(path, "utf8").trim());
        if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
          throw new ConfigError(`${dataDir} is in use by another muster (pid ${holder})`);
        }
        rmSync(path, { force: true });
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw new ConfigError(
          `cannot lock ${dataDir}: ${path} cannot be read or replaced (${reason(e)}): remove it`,
        );
      }
    }
  }
  throw new ConfigError(`cannot lock ${dataDir}`);
}
