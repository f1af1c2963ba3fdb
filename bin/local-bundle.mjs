// The lean runtime of `muster serve`: local/cli.ts and everything it imports, bundled by esbuild
// into plain JavaScript that Node runs as it is. Running the TypeScript through tsx's loader
// instead cost some 100 MB of memory (the loader, its transform cache, every module compiled
// at run time) and a slower start.
//
// The bundle is kept per checkout (node_modules/.cache/muster-serve, or a folder in the
// temporary directory when that one cannot be written) under a key: the SHA-256 of every
// source file esbuild compiled into it (read through the plugin below, so the key is of
// exactly what was compiled), of package-lock.json (the dependencies' versions) and of this
// file. A start recomputes the key from the files listed beside the bundle and rebuilds when
// any differs or is gone: the bundle is never stale against the source.
//
//   node bin/local-bundle.mjs        builds it if needed (npm ci's prepare runs this)
//   import { loadMuster } from "./local-bundle.mjs"   what bin/muster.mjs does
//
// Plain JavaScript that Node 20 can run too: npm's prepare may run before Node 24 is on PATH.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The CLI, under the checkout. */
const ENTRY = join("local", "cli.ts");
/** What decides the bundle besides its own sources. */
const ALSO = ["package-lock.json", "tsconfig.json", "bin/local-bundle.mjs"];
const POINTER = "current.json";
/** Bundles of other keys older than this are removed when a new one is made. */
const PRUNE_AFTER_MS = 60 * 60 * 1000;
const LOADERS = { ".ts": "ts", ".mts": "ts", ".js": "js", ".mjs": "js", ".json": "json" };

/** Where the bundle may be kept, first choice first. */
function places() {
  const id = createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
  const uid = process.getuid?.() ?? "user";
  return [
    join(ROOT, "node_modules", ".cache", "muster-serve"),
    join(tmpdir(), `muster-serve-${uid}-${id}`),
  ];
}

/**
 * The key of a list of files (relative to `root`), and of `root` itself: the bundle names the
 * web UI's builder by its absolute path. Undefined when a file is missing.
 */
function keyOf(root, files, contents = (file) => readFileSync(join(root, file))) {
  const hash = createHash("sha256").update(resolve(root)).update("\0");
  for (const file of [...files].sort()) {
    let content;
    try {
      content = contents(file);
    } catch {
      return undefined;
    }
    hash.update(file).update("\0").update(content).update("\0");
  }
  return hash.digest("hex").slice(0, 32);
}

/**
 * The entry of a bundle in `dir` that matches the source (of the checkout at `root`) as it is
 * now, if there is one.
 */
export function freshBundle(dir, root = ROOT) {
  let pointer;
  try {
    pointer = JSON.parse(readFileSync(join(dir, POINTER), "utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(pointer.files) || typeof pointer.key !== "string") return undefined;
  const entry = join(dir, pointer.key, "cli.mjs");
  return keyOf(root, pointer.files) === pointer.key && existsSync(entry) ? entry : undefined;
}

/** Builds the bundle of `root`'s CLI into `dir` (made owner-only if new); returns its entry. */
export async function buildBundle(dir, root = ROOT) {
  const esbuild = await import("esbuild");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(dir, "tmp-"));
  const compiled = new Map();
  // Every file of the checkout esbuild compiles is read here, so the key is of those bytes.
  const keyed = {
    name: "keyed-sources",
    setup(build) {
      build.onLoad({ filter: /\.(m?ts|m?js|json)$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const contents = readFileSync(args.path);
        compiled.set(relative(root, args.path), contents);
        return { contents, loader: LOADERS[extname(args.path)] ?? "js" };
      });
    },
  };
  // The web UI's builder (ui/build.mjs, imported on the first /ui request) stays a file of the
  // checkout: it finds the UI's sources beside itself and runs esbuild, neither of which a
  // bundle elsewhere could do. Imported by its absolute URL, so the bundle keeps no copy.
  const uiBuilder = {
    name: "ui-builder-outside",
    setup(build) {
      build.onResolve({ filter: /(^|[\\/])ui[\\/]build\.mjs$/ }, (args) => ({
        path: pathToFileURL(resolve(args.resolveDir, args.path)).href,
        external: true,
      }));
    },
  };
  try {
    await esbuild.build({
      entryPoints: { cli: join(root, ENTRY) },
      outdir: staging,
      outExtension: { ".js": ".mjs" },
      // The engines and the reconciler's AWS clients are imported when used (open-store.ts,
      // serve.ts): in chunks of their own, never read by a registry that does not use them.
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      bundle: true,
      platform: "node",
      target: "node24",
      format: "esm",
      // ESM builds of the dependencies first: they tree-shake (the AWS SDK above all).
      mainFields: ["module", "main"],
      // CommonJS dependencies (dns-packet, prom-client) require Node's built-ins.
      banner: {
        js: 'import { createRequire as __musterRequire } from "node:module"; const require = __musterRequire(import.meta.url);',
      },
      // Not minified: a stack trace of a bug report names functions and readable lines. (No
      // keepNames either: names are kept anyway when not minified, and its helper wrapped
      // every closure the request paths make.)
      absWorkingDir: root,
      plugins: [uiBuilder, keyed],
      logLevel: "warning",
    });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await esbuild.stop?.();
  }
  const files = [...compiled.keys(), ...ALSO];
  const key = keyOf(root, files, (file) => compiled.get(file) ?? readFileSync(join(root, file)));
  if (key === undefined) throw new Error(`a file of ${ALSO.join(", ")} is missing`);
  const target = join(dir, key);
  try {
    renameSync(staging, target);
  } catch (err) {
    // Another start built the same sources meanwhile: theirs is as good.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(target, "cli.mjs"))) throw err;
  }
  const pointer = join(dir, `${POINTER}.${process.pid}`);
  writeFileSync(pointer, JSON.stringify({ key, files: files.sort() }), { mode: 0o600 });
  renameSync(pointer, join(dir, POINTER));
  prune(dir, key);
  return join(target, "cli.mjs");
}

/** Removes bundles of other keys, and abandoned staging folders, once they are old. */
function prune(dir, keep) {
  for (const name of readdirSync(dir)) {
    if (name === keep || name.startsWith(POINTER)) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Removed by another start meanwhile.
    }
  }
}

/** The bundle's entry: a fresh one if kept, else built in the first place that can be written. */
export async function bundleEntry() {
  for (const dir of places()) {
    const entry = freshBundle(dir);
    if (entry) return entry;
  }
  let failure;
  for (const dir of places()) {
    try {
      return await buildBundle(dir);
    } catch (err) {
      failure ??= err;
    }
  }
  throw failure;
}

/**
 * V8 settings of the server process. The young generation: V8 grows it to 64 MB a semi-space
 * (128 MB) under load and keeps it, which was most of the server's memory after a bench:
 * 255 MB, against 158 MB with 4 MB semi-spaces (at 1,000 nodes, 110 MB at rest against 125).
 * The price is more scavenges: GC took 24% of a heartbeat's CPU time, against 17% with 8 MB
 * and 16% with 16 MB (docs/benchmarks.md).
 */
const V8_FLAGS = ["--max-semi-space-size=4"];

/**
 * The same process (pid, open files, signals) re-run with V8_FLAGS, unless it has them or the
 * operator set them otherwise: they are read when the heap is made, so they cannot be set from
 * inside. `process.execve` keeps the pid a supervisor started.
 */
function withV8Flags() {
  const given = `${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
  const missing = V8_FLAGS.filter((flag) => !given.includes(flag.split("=")[0]));
  if (missing.length === 0 || typeof process.execve !== "function") return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}

/**
 * Runs the `muster` CLI from the bundle; where it cannot be built (no esbuild, nowhere to
 * write), from the TypeScript through tsx as before, saying why on stderr.
 */
export async function loadMuster() {
  withV8Flags();
  let entry;
  try {
    entry = await bundleEntry();
  } catch (err) {
    console.error(
      `muster: cannot build the local-mode bundle (${err instanceof Error ? err.message : String(err)}); running the TypeScript through tsx`,
    );
    const { register } = await import("tsx/esm/api");
    register();
    await import(pathToFileURL(join(ROOT, ENTRY)).href);
    return;
  }
  await import(pathToFileURL(entry).href);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = await bundleEntry();
  console.log(`muster: local-mode bundle ready (${relative(process.cwd(), entry)})`);
}
