// Where the tools the tests and the bench build or fetch are kept: outside the repository, one
// folder per tool and pinned version, shared by every checkout of the project on the machine
// (a second clone, a worktree, CI's fresh clone on a warm runner). Every installer builds into a
// temporary folder beside its target and renames it into place, so two checkouts installing at
// once never see half a tool.
//
// MUSTER_CACHE_DIR overrides the root; otherwise $XDG_CACHE_HOME/muster, else ~/.cache/muster.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Pins: changing one makes a new cache folder, so an old build is never taken for the new one. */
export const PINS = {
  dynamodbLocal: "amplify-dynamodb-simulator@2.9.30",
  moto: "moto[server]==5.2.5",
};

export function cacheRoot(env = process.env) {
  if (env.MUSTER_CACHE_DIR) return resolve(env.MUSTER_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache");
  return join(base, "muster");
}

const slug = (pin) => pin.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-|-$/g, "");

/** DynamoDB Local's emulator folder (DynamoDBLocal.jar and its native libraries). */
export const dynamodbLocalDir = () => join(cacheRoot(), slug(PINS.dynamodbLocal));
/** moto server's virtualenv. */
export const motoVenv = () => join(cacheRoot(), slug(PINS.moto));
/** Cargo's target folder for test/blixard-shapes (cargo rebuilds only what changed). */
export const blixardShapesTarget = () => join(cacheRoot(), "blixard-shapes-target");

const SHAPES_CRATE = fileURLToPath(new URL("../test/blixard-shapes/", import.meta.url));

/**
 * test/blixard-shapes' program, kept under the hash of its sources (Cargo.toml, Cargo.lock,
 * src/): the target folder is shared by every checkout, so its `debug/blixard-shapes` is
 * whichever checkout built last; this copy is the one built from these sources.
 */
export function blixardShapesBinary() {
  const hash = createHash("sha256");
  const files = [
    "Cargo.toml",
    "Cargo.lock",
    ...readdirSync(join(SHAPES_CRATE, "src"))
      .filter((f) => f.endsWith(".rs"))
      .sort()
      .map((f) => join("src", f)),
  ];
  for (const file of files) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(SHAPES_CRATE, file)))
      .update("\0");
  }
  return join(cacheRoot(), "blixard-shapes-bin", hash.digest("hex").slice(0, 16), "blixard-shapes");
}
