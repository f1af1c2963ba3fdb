import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newKeySet, type StoredKeySet, serializeKeySet } from "../shared/signing/keys.js";

/** The signing key set's file in the data folder: private keys, readable by its owner only. */
export function signingKeysPath(dataDir: string): string {
  return join(dataDir, "signing-keys.json");
}

/**
 * Makes the data folder's key set on first start (one active key) and says whether it did.
 * `wx`: two starts racing cannot both write, and an existing set is never replaced.
 */
export function ensureSigningKeys(dataDir: string, nowMs = Date.now()): boolean {
  try {
    writeFileSync(signingKeysPath(dataDir), serializeKeySet(newKeySet(nowMs)), {
      mode: 0o600,
      flag: "wx",
    });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

export function readSigningKeysFile(dataDir: string): string {
  return readFileSync(signingKeysPath(dataDir), "utf8");
}

/**
 * Replaces the set atomically (a registry reloading it reads the old set or the new one,
 * never half), keeping it owner-only.
 */
export function writeSigningKeysFile(dataDir: string, set: StoredKeySet): void {
  const path = signingKeysPath(dataDir);
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, serializeKeySet(set), { mode: 0o600, flag: "wx" });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
