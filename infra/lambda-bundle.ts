import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * The esbuild settings every muster Lambda bundle is built with, shared by the CDK construct
 * (infra/constructs/muster-function.ts) and `npm run bench` (bench/bundle.ts), so that the
 * bench measures the bundle that ships.
 */

/**
 * CommonJS, not ESM, although the sources are ESM. In an ES module, `import … from "node:http"`
 * makes Node build the namespace of every export of `http`, and reading them runs its lazy
 * getters: `WebSocket` loads undici, and with it http2, worker_threads and assert (≈ 30 ms for
 * `import "node:http"` against ≈ 4 ms for `require("node:http")` on the bench machine);
 * `process.stdin` opens standard input. esbuild turns the bundle's imports of Node's built-in
 * modules into `require()` calls only in CommonJS output. The reconciler and the stream
 * function never need undici; the API does, for the Request and Response hono answers with,
 * and so loads it with its first request instead of at import (docs/lambda-bundle.md).
 * Nothing bundled uses `import.meta` or top-level `await`, which CommonJS cannot express.
 */
const LAMBDA_FORMAT = "cjs";

/** ESM builds of the dependencies first: they tree-shake (the AWS SDK above all). */
export const MAIN_FIELDS = ["module", "main"];

/**
 * Packages replaced in the bundle: the SDK's default credential chain by the part of it that
 * can answer on Lambda (shared/aws/lambda-credentials.ts says why).
 */
export const LAMBDA_ALIASES: Record<string, string> = {
  "@aws-sdk/credential-provider-node": fileURLToPath(
    new URL("../shared/aws/lambda-credentials.ts", import.meta.url),
  ),
};

/**
 * esbuild's options for one Lambda entry built as the stack builds it (minified CommonJS for
 * Node 24, the settings above), with a metafile: for the bench and the tests that build it
 * directly. Name the output `index.js` (as the stack does) or `.cjs`, never `.mjs`.
 */
export function lambdaBuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node24",
    format: LAMBDA_FORMAT,
    mainFields: MAIN_FIELDS,
    alias: LAMBDA_ALIASES,
    metafile: true,
    logLevel: "silent",
  } satisfies BuildOptions;
}
