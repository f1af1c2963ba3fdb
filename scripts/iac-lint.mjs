#!/usr/bin/env node
// Installs the template linters, cfn-lint and checkov (PyPI, pinned), into a virtualenv in the
// tool cache (scripts/tool-cache.mjs) for test/infra/static-checks.integration.test.ts. Idempotent
// (a marker file names the pinned requirement) and atomic (built in a temp folder beside the
// target, then renamed into place), like scripts/dynamodb-local.mjs.
//
// A venv's console scripts hard-code the folder they were built in, which the rename changes:
// run them as `<venv>/bin/python -m checkov.main` and through `cfnlint.runner.main`.
//
// Usage: node scripts/iac-lint.mjs install

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { iacLintVenv, PINS } from "./tool-cache.mjs";

const REQUIREMENTS = [PINS.cfnLint, PINS.checkov];
const REQUIREMENT = REQUIREMENTS.join(" ");
const targetDir = iacLintVenv();
const cacheDir = dirname(targetDir);
const marker = join(targetDir, ".muster-installed");

function requirePython() {
  const result = spawnSync(
    "python3",
    ["-c", "import sys, venv; assert sys.version_info >= (3, 9)"],
    {
      stdio: "ignore",
    },
  );
  if (result.error || result.status !== 0) {
    throw new Error(
      "cfn-lint and checkov need Python 3.9+ with the venv module as `python3` on PATH.\n" +
        "Install it with: apt-get install python3 python3-venv",
    );
  }
}

function installed() {
  return existsSync(marker) && readFileSync(marker, "utf8").trim() === REQUIREMENT;
}

/** Leftovers of killed runs; an hour old means no live run still owns them. */
async function sweepStaleTempDirs() {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith(".tmp-iac-lint-") && !name.startsWith(".old-iac-lint-")) continue;
    const dir = join(cacheDir, name);
    if (Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function install() {
  if (installed()) {
    console.log(`iac-lint: ${REQUIREMENT} already in ${targetDir}, nothing to do`);
    return;
  }
  requirePython();
  await mkdir(cacheDir, { recursive: true });
  await sweepStaleTempDirs();
  // Next to the target so the rename stays on one filesystem and is atomic: an interrupted
  // run leaves a stray .tmp-* folder, never a half-installed venv under the real name.
  const tmp = await mkdtemp(join(cacheDir, ".tmp-iac-lint-"));
  try {
    execFileSync("python3", ["-m", "venv", tmp], { stdio: ["ignore", "ignore", "inherit"] });
    const python = join(tmp, "bin", "python");
    // `python -m pip`, not bin/pip: the same reason as the server, and it works before the
    // rename as well as after.
    execFileSync(python, ["-m", "pip", "install", "--quiet", "--no-input", ...REQUIREMENTS], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    });
    execFileSync(python, ["-c", "import cfnlint.runner, checkov.main"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    await writeFile(join(tmp, ".muster-installed"), `${REQUIREMENT}\n`);
    if (installed()) return; // A concurrent run finished first; its venv is as good as ours.
    // An older pin (or debris) is moved aside first: rename cannot replace a non-empty folder.
    const old = `${tmp.replace(".tmp-iac-lint-", ".old-iac-lint-")}`;
    if (existsSync(targetDir)) await rename(targetDir, old);
    try {
      await rename(tmp, targetDir);
    } catch (err) {
      if (!installed()) throw err;
    }
    await rm(old, { recursive: true, force: true });
    console.log(`iac-lint: installed ${REQUIREMENT} into ${targetDir}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const command = process.argv[2];
if (command === "install") {
  try {
    await install();
  } catch (err) {
    console.error(`iac-lint: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
} else {
  console.error("usage: node scripts/iac-lint.mjs install");
  process.exit(2);
}
