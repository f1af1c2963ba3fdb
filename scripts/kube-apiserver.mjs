#!/usr/bin/env node
// Builds kube-apiserver from the Go module proxy into the tool cache (scripts/tool-cache.mjs), for
// the Kubernetes tests (test/kubernetes/, started by scripts/engines/kube-apiserver.ts).
//
// k8s.io/kubernetes is not meant to be required as a module: its go.mod replaces its 30-odd
// staging modules (k8s.io/api, k8s.io/client-go, …) with ./staging/... folders, which a module
// download does not have, and requires them at v0.0.0. So the build makes a module of its own
// that requires k8s.io/kubernetes at the pin and replaces each of those staging modules by its
// published twin (v1.X.Y ⇒ v0.X.Y); the list is read from k8s.io/kubernetes's own go.mod, never
// typed here, so a new pin brings its own list. `go mod tidy` then settles everything else.
//
// Go's module cache and build cache (~/go, ~/.cache/go-build by default) persist between runs:
// a cold build downloads ~400 modules and compiles for minutes; with the Go caches warm but this
// folder gone it links in well under a minute; with the binary in place it does nothing.
// Idempotent (a marker names the pin) and atomic (built in a temp folder beside the target, then
// renamed into place), like scripts/moto.mjs.
//
// Usage: node scripts/kube-apiserver.mjs build     (prints the binary's path)

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeApiserverDir, PINS } from "./tool-cache.mjs";

const [MODULE, VERSION] = PINS.kubernetes.split("@");
const targetDir = kubeApiserverDir();
const cacheDir = dirname(targetDir);
const marker = join(targetDir, ".muster-installed");
export const BINARY = join(targetDir, "kube-apiserver");

/** The staging modules' published versions: v1.37.2 → v0.37.2. */
const STAGING_VERSION = VERSION.replace(/^v1\./, "v0.");

function installed() {
  return (
    existsSync(BINARY) &&
    existsSync(marker) &&
    readFileSync(marker, "utf8").trim() === PINS.kubernetes
  );
}

function go(args, cwd, { capture = false } = {}) {
  const result = spawnSync("go", args, {
    cwd,
    encoding: "utf8",
    // -mod=mod: the generated go.mod has no go.sum yet, and tidy writes both.
    env: {
      ...process.env,
      GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=mod`.trim(),
      // The Go on PATH builds it; a pin that needs a newer Go fails here saying so.
      GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local",
    },
    stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(
      result.error.message.includes("ENOENT")
        ? "building kube-apiserver needs Go on PATH (apt-get install golang, or https://go.dev/dl)"
        : result.error.message,
    );
  }
  if (result.status !== 0) throw new Error(`go ${args.join(" ")} failed (exit ${result.status})`);
  return result.stdout ?? "";
}

/**
 * k8s.io/kubernetes's go.mod: its Go version, its godebug lines and the modules it replaces with
 * a ./staging/ folder. `go list -m` fetches the .mod file alone, not the module.
 */
function upstreamGoMod(workDir) {
  const info = JSON.parse(
    go(["list", "-m", "-json", `${MODULE}@${VERSION}`], workDir, { capture: true }),
  );
  const text = readFileSync(info.GoMod, "utf8");
  const goVersion = /^go (\S+)$/m.exec(text)?.[1];
  const godebug = [...new Set(text.match(/^godebug .+$/gm) ?? [])];
  const staging = [...text.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\/\S+\s*$/gm)].map(
    (m) => m[1],
  );
  if (!goVersion || staging.length === 0) {
    throw new Error(`${MODULE}@${VERSION}'s go.mod has no go line or no ./staging replacements`);
  }
  return { goVersion, godebug, staging };
}

function goMod({ goVersion, godebug, staging }) {
  return [
    "module muster.test/kube-apiserver",
    "",
    `go ${goVersion}`,
    "",
    ...godebug,
    "",
    `require ${MODULE} ${VERSION}`,
    "",
    "replace (",
    ...staging.map((m) => `\t${m} => ${m} ${STAGING_VERSION}`),
    ")",
    "",
    // Keeps the requirement through `go mod tidy` in a module with no Go file of its own.
    `tool ${MODULE}/cmd/kube-apiserver`,
    "",
  ].join("\n");
}

/** Leftovers of killed runs; an hour old means no live run still owns them. */
async function sweepStaleTempDirs() {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith(".tmp-kube-apiserver-") && !name.startsWith(".old-kube-apiserver-"))
      continue;
    const dir = join(cacheDir, name);
    if (Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function build() {
  if (installed()) {
    console.log(BINARY);
    return;
  }
  await mkdir(cacheDir, { recursive: true });
  await sweepStaleTempDirs();
  const tmp = await mkdtemp(join(cacheDir, ".tmp-kube-apiserver-"));
  try {
    const started = Date.now();
    const upstream = upstreamGoMod(tmp);
    await writeFile(join(tmp, "go.mod"), goMod(upstream));
    go(["mod", "tidy"], tmp);
    // The version a client sees at /version; -s -w: no symbol table, a smaller and faster link.
    const ldflags = [
      "-s",
      "-w",
      `-X k8s.io/component-base/version.gitVersion=${VERSION}`,
      `-X k8s.io/component-base/version.gitMajor=${VERSION.split(".")[0].slice(1)}`,
      `-X k8s.io/component-base/version.gitMinor=${VERSION.split(".")[1]}`,
      "-X k8s.io/component-base/version.gitTreeState=clean",
    ].join(" ");
    go(
      [
        "build",
        "-ldflags",
        ldflags,
        "-o",
        join(tmp, "kube-apiserver"),
        `${MODULE}/cmd/kube-apiserver`,
      ],
      tmp,
    );
    execFileSync(join(tmp, "kube-apiserver"), ["--version"], { stdio: "ignore" });
    await writeFile(join(tmp, ".muster-installed"), `${PINS.kubernetes}\n`);
    if (installed()) return; // A concurrent run finished first; its binary is as good as ours.
    const old = tmp.replace(".tmp-kube-apiserver-", ".old-kube-apiserver-");
    if (existsSync(targetDir)) await rename(targetDir, old);
    try {
      await rename(tmp, targetDir);
    } catch (err) {
      if (!installed()) throw err;
    }
    await rm(old, { recursive: true, force: true });
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    console.error(`kube-apiserver: built ${PINS.kubernetes} in ${minutes} min`);
    console.log(BINARY);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command] = process.argv.slice(2);
  try {
    if (command === "build") await build();
    else throw new Error("usage: node scripts/kube-apiserver.mjs build");
  } catch (err) {
    console.error(`kube-apiserver: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
