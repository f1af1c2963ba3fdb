import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LocalToken {
  token: string;
  /** True when this start made it: the only time it is printed. */
  created: boolean;
  path: string;
}

/**
 * The token local mode uses when MUSTER_TOKENS is unset: made once, kept in the data folder
 * readable by its owner only, so the registry is never open to anonymous writes.
 */
export function localToken(dataDir: string): LocalToken {
  const path = join(dataDir, "token");
  if (existsSync(path)) return { token: readFileSync(path, "utf8").trim(), created: false, path };
  const token = `mst_${randomBytes(32).toString("base64url")}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, created: true, path };
}
