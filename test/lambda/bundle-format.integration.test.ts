import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaBuildOptions } from "../../infra/lambda-bundle.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every handler the stack can deploy (the stream one only with membership events on). */
const ENTRIES = [
  ["API", "functions/api.ts"],
  ["reconciler", "functions/reconcile.ts"],
  ["membership events", "functions/stream.ts"],
] as const;

/**
 * Loads the bundle at argv[1] the way Lambda's Node.js runtime does (`import()` of index.js)
 * and prints what it exports and which of Node's own modules the load added.
 */
const PROBE = `const before = new Set(process.moduleLoadList);
const m = await import(process.argv[1]);
const loaded = process.moduleLoadList.filter((name) => !before.has(name));
process.stdout.write("\\n" + JSON.stringify({ handler: typeof m.handler, loaded }));`;

/**
 * Node modules an ES module's namespace import of node:http loads at once: the reconciler and
 * the stream function never use them, the API only from its first request on.
 */
const UNUSED = /undici|http2|worker_threads|NativeModule assert$/;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "muster-bundle-format-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The stack ships CommonJS because an ES module's imports of Node's built-in modules load
// modules at import that a handler needs late or never (infra/lambda-bundle.ts). The same
// bundles must still behave as the ES modules they were written as.
describe.each(ENTRIES)("the %s bundle", (name, entry) => {
  it("is strict CommonJS that loads as Lambda loads it, without undici and its kin", async () => {
    const file = join(dir, name.replace(/ /g, "-"), "index.js");
    const result = await build(lambdaBuildOptions(join(ROOT, entry), file));
    // esbuild warns, not fails, on what CommonJS cannot express (import.meta is left empty).
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    // Strict mode, as every ES module (and the ESM bundle) runs: esbuild writes the
    // directive because tsconfig.json is strict.
    expect(readFileSync(file, "utf8").startsWith('"use strict";')).toBe(true);

    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", PROBE, pathToFileURL(file).href],
      {
        encoding: "utf8",
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "bundletest",
          AWS_SECRET_ACCESS_KEY: "bundletest",
          MUSTER_TABLE: "muster-bundle-test",
          MUSTER_TOKENS: "bundle-token-0123456789abcdef",
          MUSTER_EC2_DISCOVERY: "false",
          POWERTOOLS_LOG_LEVEL: "SILENT",
        },
      },
    );
    const { handler, loaded } = JSON.parse(out.slice(out.lastIndexOf("\n") + 1)) as {
      handler: string;
      loaded: string[];
    };
    expect(handler).toBe("function");
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((m) => UNUSED.test(m))).toEqual([]);
  });
});
