// Bundles the agent CLI into one file a node can run with plain `node`:
//   node agent/build.mjs [outfile]      (default dist/muster-agent.mjs)
import { chmod, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = resolve(process.argv[2] ?? join(root, "dist", "muster-agent.mjs"));

/**
 * zod's `z` namespace re-exports every locale (`z.locales`), and a namespace used as a value
 * cannot be tree-shaken: 250 KiB of messages in forty languages. The agent never reads
 * `z.locales` (English is registered by zod's schemas themselves), so the index of locales is
 * replaced with an empty module.
 */
const dropZodLocales = {
  name: "drop-zod-locales",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
  },
};

const result = await build({
  entryPoints: [join(root, "agent", "cli.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // ESM builds of the dependencies first, so that they tree-shake: @smithy/signature-v4 is a
  // few kilobytes so, where its CommonJS build would bring the whole of @smithy/core.
  mainFields: ["module", "main"],
  banner: { js: "#!/usr/bin/env node" },
  // Minified: the file is installed, not read; error messages and stack frames stay usable
  // because names of classes and functions are kept.
  minify: true,
  keepNames: true,
  legalComments: "none",
  metafile: true,
  plugins: [dropZodLocales],
  logLevel: "warning",
});

// A node installs the agent alone: nothing of the AWS SDK's clients or of the server may end up
// in its bundle (the dependency direction in docs/design.md, enforced), nor the official
// Kubernetes client (≈ 1.9 MiB with its undici; the agent has its own small one,
// docs/dependencies.md). The one part of the SDK it takes is the SigV4 signer
// (@smithy/signature-v4, with the few helpers of @smithy/core it calls), held to a size.
const forbidden = Object.keys(result.metafile.inputs).filter(
  (input) =>
    /node_modules\/(@aws-sdk|@smithy|hono|@hono|@kubernetes|undici)\//.test(input) &&
    !/node_modules\/@smithy\/(signature-v4|core|types)\//.test(input),
);
if (forbidden.length > 0) {
  console.error(`agent bundle pulls in server-side code:\n  ${forbidden.join("\n  ")}`);
  process.exit(1);
}
const SIGNER_BUDGET = 20 * 1024;
const signerBytes = Object.entries(Object.values(result.metafile.outputs)[0]?.inputs ?? {})
  .filter(([input]) => /node_modules\/@smithy\//.test(input))
  .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
if (signerBytes > SIGNER_BUDGET) {
  console.error(
    `the SigV4 signer takes ${signerBytes} bytes of the agent bundle, over its ${SIGNER_BUDGET}: something more of @smithy came along`,
  );
  process.exit(1);
}

await chmod(outfile, 0o755);
const { size } = await stat(outfile);
console.log(
  `${relative(process.cwd(), outfile)}: ${(size / 1024).toFixed(1)} KiB (the SigV4 signer ${(signerBytes / 1024).toFixed(1)} KiB of it)`,
);
