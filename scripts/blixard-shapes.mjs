#!/usr/bin/env node
// Builds test/blixard-shapes (Blixard's struct shapes, join client and DNS discovery in Rust, at
// the crate versions Blixard pins) into the tool cache (scripts/tool-cache.mjs), for
// test/blixard-shapes/*.integration.test.ts. Cargo builds in a target folder shared by every
// checkout and compiles only what changed; the program is then copied under the hash of the
// crate's sources, which is where the tests run it from, so that two checkouts with different
// sources never run each other's build. The first build fetches the crates pinned in Cargo.lock
// from crates.io (native-tls needs pkg-config and OpenSSL's headers: scripts/apt-tools.mjs).
//
// Usage: node scripts/blixard-shapes.mjs build     (prints the binary's path)

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { blixardShapesBinary, blixardShapesTarget } from "./tool-cache.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const TARGET_DIR = blixardShapesTarget();
/** Held while building and copying: another checkout's build would replace debug/blixard-shapes. */
const LOCK = `${TARGET_DIR}.lock`;
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 30 * 60_000;

function lock() {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 40 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
          rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`blixard-shapes: ${LOCK} held for 40 minutes`);
      spawnSync("sleep", ["1"]);
    }
  }
}

function build() {
  const binary = blixardShapesBinary();
  if (existsSync(binary)) {
    console.log(`blixard-shapes: ${binary}`);
    return;
  }
  const cargo = spawnSync("cargo", ["--version"], { stdio: "ignore" });
  if (cargo.error || cargo.status !== 0) {
    throw new Error(
      "the Blixard tests need Rust's cargo on PATH (https://rustup.rs, or apt-get install cargo)",
    );
  }
  lock();
  try {
    const result = spawnSync(
      "cargo",
      [
        "build",
        "--locked",
        "--quiet",
        "--manifest-path",
        join(root, "test", "blixard-shapes", "Cargo.toml"),
      ],
      { stdio: "inherit", env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR } },
    );
    if (result.error || result.status !== 0)
      throw new Error("cargo build of test/blixard-shapes failed");
    // Copied then renamed: a reader sees the whole program or none.
    mkdirSync(dirname(binary), { recursive: true });
    const partial = `${binary}.${process.pid}.tmp`;
    copyFileSync(join(TARGET_DIR, "debug", "blixard-shapes"), partial);
    renameSync(partial, binary);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  console.log(`blixard-shapes: ${binary}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command] = process.argv.slice(2);
  try {
    if (command === "build") build();
    else throw new Error("usage: node scripts/blixard-shapes.mjs build");
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
