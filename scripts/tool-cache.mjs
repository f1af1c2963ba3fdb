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
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Pins: changing one makes a new cache folder, so an old build is never taken for the new one. */
export const PINS = {
  dynamodbLocal: "amplify-dynamodb-simulator@2.9.30",
  moto: "moto[server]==5.2.5",
  // The template linters of test/infra/static-checks.integration.test.ts (one virtualenv).
  cfnLint: "cfn-lint==1.58.0",
  checkov: "checkov==3.3.30",
  // The Go harnesses of test/consul-clients: their go.mod files require exactly these, and
  // scripts/consul-clients.mjs refuses to build when they drift apart.
  consulApi: "github.com/hashicorp/consul/api@v1.34.5",
  prometheus: "github.com/prometheus/prometheus@v0.316.0",
  // kube-apiserver, built from the Go module proxy by scripts/kube-apiserver.mjs.
  kubernetes: "k8s.io/kubernetes@v1.37.2",
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
/** cfn-lint's and checkov's virtualenv. */
export const iacLintVenv = () => join(cacheRoot(), slug(`${PINS.cfnLint}-${PINS.checkov}`));
/** Cargo's target folder for test/blixard-shapes (cargo rebuilds only what changed). */
export const blixardShapesTarget = () => join(cacheRoot(), "blixard-shapes-target");

/** A short hash of files' relative names and contents: a cache folder per content of the sources. */
function sourcesHash(root, files) {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

const shapesCrate = fileURLToPath(new URL("../test/blixard-shapes", import.meta.url));

/** Every file a build of test/blixard-shapes reads (Cargo.toml, Cargo.lock, src/*.rs), sorted. */
export function blixardShapesSources(dir = shapesCrate) {
  const src = join(dir, "src");
  const rust = readdirSync(src)
    .filter((f) => f.endsWith(".rs"))
    .map((f) => join(src, f));
  return [join(dir, "Cargo.lock"), join(dir, "Cargo.toml"), ...rust].sort();
}

/**
 * test/blixard-shapes' program, kept under the hash of its sources: the target folder is shared
 * by every checkout, so its `debug/blixard-shapes` is whichever checkout built last; this copy is
 * the one built from these sources.
 */
export const blixardShapesBinary = () =>
  join(
    cacheRoot(),
    "blixard-shapes-bin",
    sourcesHash(shapesCrate, blixardShapesSources()),
    "blixard-shapes",
  );

const consulClientsSrc = fileURLToPath(new URL("../test/consul-clients", import.meta.url));

/** Every file a build of test/consul-clients reads (go.mod, go.sum, *.go), sorted. */
export function consulClientsSources(dir = consulClientsSrc) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...consulClientsSources(path));
    else if (/^go\.(mod|sum)$|\.go$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/**
 * The built Go harnesses (`api-client`, `prom-consul-sd`): one folder per content of their
 * sources, so an edit to a harness or a bump in a go.sum builds a new folder and an old build is
 * never taken for it.
 */
export const consulClientsDir = () =>
  join(cacheRoot(), `consul-clients-${sourcesHash(consulClientsSrc, consulClientsSources())}`);
/** kube-apiserver's folder (the binary and the go.mod it was built from). */
export const kubeApiserverDir = () => join(cacheRoot(), slug(PINS.kubernetes));
