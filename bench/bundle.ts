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
 * Imports the module named by argv[2] and prints how long that took, in ms; with an event in
 * argv[3], then hands it to the module's handler and prints how long that took and the
 * status. `import()`, as Lambda's Node.js runtime loads a handler whatever its format; and
 * process.hrtime, because reading the clock from node:perf_hooks would load modules the
 * bundle's first request loads too.
 */
const PROBE = `const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const start = process.hrtime.bigint();
const module = await import(process.argv[2]);
const importMs = ms(start);
if (process.argv[3] === undefined) {
  process.stdout.write(JSON.stringify({ importMs }));
} else {
  const requested = process.hrtime.bigint();
  const result = await module.handler(JSON.parse(process.argv[3]), {});
  process.stdout.write(JSON.stringify({ importMs, requestMs: ms(requested), status: result.statusCode }));
}
`;

/**
 * A function URL event (payload v2) that the API answers without the store: a read with no
 * token, 401. It times what the first request costs beyond the import: the Request and
 * Response objects the app answers with are undici's, which Node loads on first use.
 */
const UNAUTHENTICATED_READ = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/v1/services/bench/peers.json",
  rawQueryString: "",
  headers: { host: "bench.lambda-url.us-east-1.on.aws" },
  requestContext: {
    accountId: "123456789012",
    apiId: "bench",
    domainName: "bench.lambda-url.us-east-1.on.aws",
    domainPrefix: "bench",
    http: {
      method: "GET",
      path: "/v1/services/bench/peers.json",
      protocol: "HTTP/1.1",
      sourceIp: "127.0.0.1",
      userAgent: "muster-bench",
    },
    requestId: "bench",
    routeKey: "$default",
    stage: "$default",
    time: "01/Dec/2026:00:00:00 +0000",
    timeEpoch: 1_795_996_800_000,
  },
  isBase64Encoded: false,
};

/**
 * The lean-Lambda goals: the minified API bundle and its cold import on the bench machine.
 * 540 KiB since the Consul API and the IAM front door joined the function (docs/lambda-bundle.md
 * says what is in it and what a split would save).
 */
export const BUNDLE_GOAL_BYTES = 540 * 1024;
export const COLD_IMPORT_GOAL_MS = 70;

export interface BundleResult {
  minifiedBytes: number;
  gzipBytes: number;
  /** The packages that take the most bytes of the output, for the notes. */
  largest: { path: string; bytes: number }[];
  coldImport: Summary;
  /** The first request after the cold import (UNAUTHENTICATED_READ), in the same process. */
  firstRequest: Summary;
  /** Cold import plus that first request: what a cold start costs before the store is called. */
  coldStart: Summary;
  trivialImport: Summary;
}

/** The npm package an esbuild input path belongs to; muster's own files are "muster". */
function packageOf(path: string): string {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return "muster";
  const parts = path.slice(at + "node_modules/".length).split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
}

interface ProbeRun {
  importMs: number;
  requestMs?: number;
  status?: number;
}

/** One fresh `node` process importing `file` and, given an event, answering it. */
function probeRun(probe: string, file: string, env: NodeJS.ProcessEnv, event?: object): ProbeRun {
  const args = [probe, pathToFileURL(file).href, ...(event ? [JSON.stringify(event)] : [])];
  const run = spawnSync(process.execPath, args, { env, encoding: "utf8", timeout: 60_000 });
  let result: ProbeRun | undefined;
  try {
    result = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf("{"))) as ProbeRun;
  } catch {
    result = undefined;
  }
  if (run.status !== 0 || !result || !Number.isFinite(result.importMs)) {
    throw new Error(`importing ${file} failed (exit ${run.status}): ${run.stderr || run.stdout}`);
  }
  if (event && result.status !== 401) {
    throw new Error(`the bundle answered the unauthenticated read with ${result.status}, not 401`);
  }
  return result;
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
    const env = {
      ...process.env,
      MUSTER_TABLE: "muster-bench",
      MUSTER_TOKENS: TOKEN,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    };
    const cold: number[] = [];
    const first: number[] = [];
    const start: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      reference.push(probeRun(probe, trivial, env).importMs);
      const run = probeRun(probe, outfile, env, UNAUTHENTICATED_READ);
      cold.push(run.importMs);
      first.push(run.requestMs ?? Number.NaN);
      start.push(run.importMs + (run.requestMs ?? Number.NaN));
    }
    return {
      minifiedBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      largest,
      coldImport: summarize(cold),
      firstRequest: summarize(first),
      coldStart: summarize(start),
      trivialImport: summarize(reference),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
