import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * The esbuild settings every muster Lambda bundle is built with, shared by the CDK construct
 * (infra/constructs/muster-function.ts) and `npm run bench` (bench/bundle.ts), so that the
 * bench measures the bundle that ships.
 */

/**
 * ESM output has no `require`, and some bundled dependencies are CommonJS that call it: give
 * the module one.
 */
export const REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

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
 * esbuild's options for one Lambda entry built as the stack builds it (minified ESM for Node
 * 24, the settings above), with a metafile: for the bench and the tests that build it directly.
 */
export function lambdaBuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node24",
    format: "esm",
    mainFields: MAIN_FIELDS,
    alias: LAMBDA_ALIASES,
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: "silent",
  } satisfies BuildOptions;
}
