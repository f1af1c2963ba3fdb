import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";

export interface LocalToken {
  token: string;
  /** True when this start made it: the only time it is printed. */
  created: boolean;
  path: string;
}

/** `mst_` and 32 random bytes in base64url: what localToken makes. */
const TOKEN_LENGTH = 4 + 43;

/**
 * The token local mode uses when MUSTER_TOKENS is unset: made once, kept in the data folder
 * readable by its owner only, so the registry is never open to anonymous writes. A file
 * holding anything shorter than such a token (emptied, cut short, hand-edited) is refused
 * rather than served as a guessable secret.
 */
export function localToken(dataDir: string): LocalToken {
  const path = join(dataDir, "token");
  if (existsSync(path)) {
    let token: string;
    try {
      token = readFileSync(path, "utf8").trim();
    } catch (err) {
      throw new ConfigError(`${path} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
    if (token.length < TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw new ConfigError(
        `${path} does not hold a muster token (at least ${TOKEN_LENGTH} printable characters): delete it to have a new one made, or set ${Env.MUSTER_TOKENS}`,
      );
    }
    return { token, created: false, path };
  }
  const token = `mst_${randomBytes(32).toString("base64url")}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, created: true, path };
}
