// Builds the web UI (docs/ui.md) from ui/: the page's TypeScript bundled and minified by
// esbuild, its stylesheet minified, each named by a hash of its content, and index.html naming
// them. The page's runtime settings (__MUSTER_CONFIG__) are left for the server to fill in.
//
//   node ui/build.mjs [out-dir]     writes the files (default dist/ui); what the Lambda bundle carries
//   buildUi() of this module                the files in memory; what local mode serves (local/ui-files.ts)
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Browsers of the last few years; nothing older than ES2022 is needed. */
const TARGETS = ["es2022", "chrome109", "firefox115", "safari16"];

const short = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 12);

/**
 * The UI's files, by name: index.html and its content-named assets. Plain Uint8Arrays, so that
 * the server can precompress and hash them as it serves them.
 */
export async function buildUi() {
  // Loaded here, not at the top: a process that imports this module only for its types, or a
  // bundle that never builds, does not start esbuild's service.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: { app: join(HERE, "src", "main.ts"), style: join(HERE, "style.css") },
    outdir: join(HERE, "out"),
    entryNames: "[name].[hash]",
    bundle: true,
    minify: true,
    format: "esm",
    target: TARGETS,
    platform: "browser",
    legalComments: "none",
    charset: "utf8",
    write: false,
    logLevel: "silent",
  });
  const files = new Map();
  let script;
  let style;
  for (const out of result.outputFiles) {
    const name = out.path.slice(out.path.lastIndexOf("/") + 1);
    files.set(name, out.contents);
    if (name.endsWith(".js")) script = name;
    if (name.endsWith(".css")) style = name;
  }
  const iconBytes = await readFile(join(HERE, "icon.svg"));
  const icon = `icon.${short(iconBytes)}.svg`;
  files.set(icon, new Uint8Array(iconBytes));
  const template = await readFile(join(HERE, "index.html"), "utf8");
  const index = template
    .replace("__SCRIPT__", script)
    .replace("__STYLE__", style)
    .replace("__ICON__", icon);
  files.set("index.html", new TextEncoder().encode(index));
  return files;
}

/** Writes the files into `outDir`, whole or not at all (a temporary folder, then renamed). */
export async function writeUi(outDir) {
  const files = await buildUi();
  const target = resolve(outDir);
  const temp = `${target}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(temp, name), bytes);
  await rm(target, { recursive: true, force: true });
  await mkdir(dirname(target), { recursive: true });
  await rename(temp, target);
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? join(HERE, "..", "dist", "ui");
  const files = await writeUi(outDir);
  const { gzipSync } = await import("node:zlib");
  let gz = 0;
  for (const bytes of files.values()) gz += gzipSync(bytes).length;
  console.log(`${outDir}: ${files.size} files, ${(gz / 1024).toFixed(1)} KiB gzipped`);
}
