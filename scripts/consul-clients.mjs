#!/usr/bin/env node
// Builds the Go harnesses of test/consul-clients into the tool cache (scripts/tool-cache.mjs):
// `api-client` (HashiCorp's official client, github.com/hashicorp/consul/api) and
// `prom-consul-sd` (Prometheus's discovery/consul package), for the Consul API's integration
// tests. The folder is keyed by the content of their go.mod, go.sum and sources, so a second run
// costs nothing; the first fetches the modules pinned in the go.sum files from the Go module
// proxy (`-mod=readonly`: a go.sum that does not match fails instead of being rewritten).
// Built in a temp folder beside the target, then renamed into place, so two checkouts building
// at once never see half a build.
//
// Usage: node scripts/consul-clients.mjs build   (prints the folder holding the two programs)

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { consulClientsDir, PINS } from "./tool-cache.mjs";

const src = fileURLToPath(new URL("../test/consul-clients", import.meta.url));
export const PROGRAMS = ["api-client", "prom-consul-sd"];

/** Where the built programs are: `binary("api-client")`. */
export const binary = (name) => join(consulClientsDir(), name);

function requireGo() {
  const go = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (go.error || go.status !== 0) {
    throw new Error(
      "the Consul client tests need Go 1.26.7 or newer on PATH (apt-get install golang is too old; see docs/consul.md)",
    );
  }
  return go.stdout.trim();
}

/** The go.mod files must require the pinned versions: the pins are what the docs and reports name. */
function checkPins() {
  const wanted = { "api-client": [PINS.consulApi], "prom-consul-sd": [PINS.prometheus] };
  for (const [program, pins] of Object.entries(wanted)) {
    const mod = readFileSync(join(src, program, "go.mod"), "utf8");
    for (const pin of pins) {
      const [path, version] = pin.split("@");
      if (
        !new RegExp(`^\\s*(require\\s+)?${path.replaceAll(".", "\\.")} ${version}\\b`, "m").test(
          mod,
        )
      ) {
        throw new Error(
          `test/consul-clients/${program}/go.mod does not require ${pin} (scripts/tool-cache.mjs PINS)`,
        );
      }
    }
  }
}

/** Leftovers of killed runs; an hour old means no live run still owns them. */
async function sweepStaleTempDirs(cacheDir) {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith(".tmp-consul-clients-")) continue;
    const dir = join(cacheDir, name);
    if (Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const built = (dir) => PROGRAMS.every((program) => existsSync(join(dir, program)));

async function build() {
  const target = consulClientsDir();
  if (built(target)) {
    console.log(`consul-clients: ${target}`);
    return;
  }
  checkPins();
  const goVersion = requireGo();
  const cacheDir = dirname(target);
  await mkdir(cacheDir, { recursive: true });
  await sweepStaleTempDirs(cacheDir);
  const tmp = await mkdtemp(join(cacheDir, ".tmp-consul-clients-"));
  try {
    for (const program of PROGRAMS) {
      const result = spawnSync(
        "go",
        ["build", "-mod=readonly", "-trimpath", "-o", join(tmp, program), "."],
        {
          cwd: join(src, program),
          stdio: ["ignore", "inherit", "inherit"],
          env: { ...process.env, CGO_ENABLED: "0" },
        },
      );
      if (result.error || result.status !== 0) {
        throw new Error(`go build of test/consul-clients/${program} failed (${goVersion})`);
      }
    }
    if (built(target)) return; // A concurrent run finished first; its build is as good as ours.
    await rename(tmp, target);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`consul-clients: ${target}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command] = process.argv.slice(2);
  try {
    if (command === "build") await build();
    else throw new Error("usage: node scripts/consul-clients.mjs build");
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
