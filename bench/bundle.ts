import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { lambdaBuildOptions } from "../infra/lambda-bundle.js";
import { TOKEN } from "./fixture.js";
import { type Summary, summarize } from "./stats.js";

const ENTRY = fileURLToPath(new URL("../functions/api.ts", import.meta.url));

/**
 * Imports the module named by argv[2] and prints how long that took, in ms. `import()`, as
 * Lambda's Node.js runtime loads a handler, whatever its format.
 */
const PROBE = `import { performance } from "node:perf_hooks";
const start = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - start));
`;

/** The lean-Lambda goals: the minified API bundle and its cold import on the bench machine. */
export const BUNDLE_GOAL_BYTES = 500 * 1024;
export const COLD_IMPORT_GOAL_MS = 70;

export interface BundleResult {
  minifiedBytes: number;
  gzipBytes: number;
  /** The packages that take the most bytes of the output, for the notes. */
  largest: { path: string; bytes: number }[];
  coldImport: Summary;
  trivialImport: Summary;
}

/** The npm package an esbuild input path belongs to; muster's own files are "muster". */
function packageOf(path: string): string {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return "muster";
  const parts = path.slice(at + "node_modules/".length).split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
}

/** One fresh `node` process importing `file`; the time of the import alone. */
function importTime(probe: string, file: string, env: NodeJS.ProcessEnv): number {
  const run = spawnSync(process.execPath, [probe, pathToFileURL(file).href], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  const ms = Number(run.stdout);
  if (run.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`importing ${file} failed (exit ${run.status}): ${run.stderr || run.stdout}`);
  }
  return ms;
}

/**
 * The Lambda bundle of functions/api.ts as a deployment would build it, in a temp folder: its
 * size minified and gzipped, and how long a fresh node process takes to import it (the module
 * part of a cold start) against importing a one-line module.
 */
export async function benchBundle(coldRuns: number): Promise<BundleResult> {
  const dir = await mkdtemp(join(tmpdir(), "muster-bench-"));
  try {
    // As infra/constructs/muster-function.ts bundles it, under the name the stack's asset
    // gives it: a CommonJS index.js with no package.json above it, as in /var/task.
    const outfile = join(dir, "index.js");
    const result = await build(lambdaBuildOptions(ENTRY, outfile));
    const code = await readFile(outfile);
    const output = Object.values(result.metafile.outputs)[0];
    const byPackage = new Map<string, number>();
    for (const [path, info] of Object.entries(output?.inputs ?? {})) {
      const name = packageOf(path);
      byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
    }
    const largest = [...byPackage]
      .map(([path, bytes]) => ({ path, bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 4);

    // The reference is a one-line module of the same format, loaded the same way.
    const trivial = join(dir, "trivial.js");
    const probe = join(dir, "probe.mjs");
    await writeFile(trivial, "exports.answer = 42;\n");
    await writeFile(probe, PROBE);
    const env = { ...process.env, MUSTER_TABLE: "muster-bench", MUSTER_TOKENS: TOKEN };
    const cold: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      reference.push(importTime(probe, trivial, env));
      cold.push(importTime(probe, outfile, env));
    }
    return {
      minifiedBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      largest,
      coldImport: summarize(cold),
      trivialImport: summarize(reference),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
