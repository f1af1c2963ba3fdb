#!/usr/bin/env node
// Builds test/blixard-shapes (a small Rust program that parses muster's Blixard files with
// Blixard's struct shapes, serde and iroh's key type) into the tool cache (scripts/tool-cache.mjs), for
// test/blixard-shapes/shapes.integration.test.ts. Cargo builds only what changed, so a second run costs a second;
// the first fetches the crates pinned in Cargo.lock from crates.io and builds in about a minute.
//
// Usage: node scripts/blixard-shapes.mjs build     (prints the binary's path)

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { blixardShapesTarget } from "./tool-cache.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const TARGET_DIR = blixardShapesTarget();
export const BINARY = join(TARGET_DIR, "debug", "blixard-shapes");

function build() {
  const cargo = spawnSync("cargo", ["--version"], { stdio: "ignore" });
  if (cargo.error || cargo.status !== 0) {
    throw new Error(
      "the Blixard shape tests need Rust's cargo on PATH (https://rustup.rs, or apt-get install cargo)",
    );
  }
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
  console.log(`blixard-shapes: ${BINARY}`);
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
