#!/usr/bin/env node
// Fetches Amazon's DynamoDB Local into the tool cache (scripts/tool-cache.mjs) for the
// conformance tests.
// The jar ships inside the npm package amplify-dynamodb-simulator; `npm pack` downloads just
// that tarball through the npm registry (the only network these machines have), without
// installing the package or its dependencies.
//
// Usage: node scripts/dynamodb-local.mjs fetch

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { dynamodbLocalDir, PINS } from "./tool-cache.mjs";

const PACKAGE = PINS.dynamodbLocal;
const targetDir = dynamodbLocalDir();
const cacheDir = dirname(targetDir);
const jar = join(targetDir, "DynamoDBLocal.jar");

function requireJava() {
  const result = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (result.error || result.status !== 0) {
    throw new Error(
      "DynamoDB Local needs a Java runtime (17+) on PATH, and `java` was not found.\n" +
        "Install it with: apt-get install openjdk-17-jre-headless",
    );
  }
}

/** Leftovers of killed runs; an hour old means no live run still owns them. */
async function sweepStaleTempDirs() {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith(".tmp-dynamodb-local-")) continue;
    const dir = join(cacheDir, name);
    if (Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function fetchEmulator() {
  // Checked on every run, not only on download: the tests cannot start without it.
  requireJava();
  if (existsSync(jar)) {
    console.log(`dynamodb-local: already present in ${targetDir}, nothing to do`);
    return;
  }
  await mkdir(cacheDir, { recursive: true });
  await sweepStaleTempDirs();
  // The temp dir lives next to the target so the final rename stays on one filesystem and is
  // atomic: an interrupted run leaves only a stray .tmp-* folder, never a half-filled target.
  const tmp = await mkdtemp(join(cacheDir, ".tmp-dynamodb-local-"));
  try {
    execFileSync("npm", ["pack", PACKAGE, "--pack-destination", tmp, "--silent"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = (await readdir(tmp)).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball in ${tmp}`);
    const staged = join(tmp, "emulator");
    await mkdir(staged);
    execFileSync("tar", [
      "-xzf",
      join(tmp, tarball),
      "-C",
      staged,
      "--strip-components=2",
      "package/emulator",
    ]);
    if (!existsSync(join(staged, "DynamoDBLocal.jar"))) {
      throw new Error(`${PACKAGE} has no emulator/DynamoDBLocal.jar; was the package changed?`);
    }
    // A target without the jar is debris from something else (no run of ours leaves one).
    if (!existsSync(jar)) await rm(targetDir, { recursive: true, force: true });
    try {
      await rename(staged, targetDir);
    } catch (err) {
      // A concurrent run may have won the race; its copy is as good as ours.
      if (!existsSync(jar)) throw err;
    }
    console.log(`dynamodb-local: fetched ${PACKAGE} emulator into ${targetDir}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const command = process.argv[2];
if (command === "fetch") {
  try {
    await fetchEmulator();
  } catch (err) {
    console.error(`dynamodb-local: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
} else {
  console.error("usage: node scripts/dynamodb-local.mjs fetch");
  process.exit(2);
}
