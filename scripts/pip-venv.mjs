// A pinned set of PyPI packages in a virtualenv of the tool cache (scripts/tool-cache.mjs), the
// way moto server and the template linters are installed. Idempotent (a marker file names the
// pinned requirements) and atomic (built in a temp folder beside the target, then renamed into
// place), like scripts/dynamodb-local.mjs.
//
// A venv's console scripts hard-code the folder they were built in, which the rename changes:
// run its tools as `<venv>/bin/python -m <module>`, never through `bin/<script>`.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * @param {object} venv
 * @param {string} venv.name       short name, for messages and temp folders ("moto")
 * @param {string} venv.what       what needs it, for the missing-Python message
 * @param {string[]} venv.requirements  pip requirement specifiers, pinned
 * @param {string} venv.targetDir  the venv's folder in the tool cache
 * @param {string} venv.check      Python that must run in the new venv ("import moto.server")
 */
export async function installPipVenv({ name, what, requirements, targetDir, check }) {
  const requirement = requirements.join(" ");
  const cacheDir = dirname(targetDir);
  const marker = join(targetDir, ".muster-installed");
  const installed = () => existsSync(marker) && readFileSync(marker, "utf8").trim() === requirement;
  if (installed()) {
    console.log(`${name}: ${requirement} already in ${targetDir}, nothing to do`);
    return;
  }
  requirePython(what);
  await mkdir(cacheDir, { recursive: true });
  await sweepStaleTempDirs(cacheDir, name);
  // Next to the target so the rename stays on one filesystem and is atomic: an interrupted
  // run leaves a stray .tmp-* folder, never a half-installed venv under the real name.
  const tmp = await mkdtemp(join(cacheDir, `.tmp-${name}-`));
  try {
    execFileSync("python3", ["-m", "venv", tmp], { stdio: ["ignore", "ignore", "inherit"] });
    const python = join(tmp, "bin", "python");
    // `python -m pip`, not bin/pip: it works before the rename as well as after.
    execFileSync(python, ["-m", "pip", "install", "--quiet", "--no-input", ...requirements], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    });
    execFileSync(python, ["-c", check], { stdio: ["ignore", "ignore", "inherit"] });
    await writeFile(join(tmp, ".muster-installed"), `${requirement}\n`);
    if (installed()) return; // A concurrent run finished first; its venv is as good as ours.
    // An older pin (or debris) is moved aside first: rename cannot replace a non-empty folder.
    const old = tmp.replace(`.tmp-${name}-`, `.old-${name}-`);
    if (existsSync(targetDir)) await rename(targetDir, old);
    try {
      await rename(tmp, targetDir);
    } catch (err) {
      if (!installed()) throw err;
    }
    await rm(old, { recursive: true, force: true });
    console.log(`${name}: installed ${requirement} into ${targetDir}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `node scripts/<name>.mjs install`: installs, or says why not and exits non-zero. */
export async function pipVenvCli(name, install) {
  if (process.argv[2] !== "install") {
    console.error(`usage: node scripts/${name}.mjs install`);
    process.exit(2);
  }
  try {
    await install();
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

function requirePython(what) {
  const result = spawnSync(
    "python3",
    ["-c", "import sys, venv; assert sys.version_info >= (3, 9)"],
    { stdio: "ignore" },
  );
  if (result.error || result.status !== 0) {
    throw new Error(
      `${what} needs Python 3.9+ with the venv module as \`python3\` on PATH.\n` +
        "Install it with: apt-get install python3 python3-venv",
    );
  }
}

/** Leftovers of killed runs; an hour old means no live run still owns them. */
async function sweepStaleTempDirs(cacheDir, name) {
  for (const entry of await readdir(cacheDir)) {
    if (!entry.startsWith(`.tmp-${name}-`) && !entry.startsWith(`.old-${name}-`)) continue;
    const dir = join(cacheDir, entry);
    if (Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
