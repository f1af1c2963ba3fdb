import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** One file of the UI as served: its bytes, gzipped once, its type and ETag. */
export interface UiFile {
  body: Uint8Array;
  /** Undefined when gzip would not make it smaller. */
  gzip: Uint8Array | undefined;
  contentType: string;
  etag: string;
  /** Named by its content (everything but index.html): cached for a year. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** Where the page's runtime settings go in index.html (ui/index.html). */
const CONFIG_PLACEHOLDER = "__MUSTER_CONFIG__";

function served(name: string, body: Uint8Array): UiFile {
  const zipped = gzipSync(body, { level: 9 });
  return {
    body,
    gzip: zipped.length < body.length ? new Uint8Array(zipped) : undefined,
    contentType: TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`,
    immutable: name !== "index.html",
  };
}

/** An attribute value: the page reads its settings from a `<meta content="…">`. */
function attribute(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll('"', "&quot;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

/** The built UI (ui/build.mjs), ready to serve, with the page's settings filled in. */
export class UiAssets {
  readonly #files = new Map<string, UiFile>();

  /** `files`: the build's files by name; `config`: the page's settings (shared/ui/page-config.ts). */
  constructor(files: ReadonlyMap<string, Uint8Array>, config: unknown) {
    const template = files.get("index.html");
    if (!template) throw new Error("the UI build has no index.html");
    const html = new TextDecoder()
      .decode(template)
      .replace(CONFIG_PLACEHOLDER, attribute(JSON.stringify(config)));
    for (const [name, body] of files) {
      this.#files.set(
        name,
        served(name, name === "index.html" ? new TextEncoder().encode(html) : body),
      );
    }
  }

  /** A file by its name under /ui/ ("" and "index.html" are the page). */
  get(name: string): UiFile | undefined {
    return this.#files.get(name === "" ? "index.html" : name);
  }

  names(): string[] {
    return [...this.#files.keys()];
  }
}

/** A build written to a folder (`node ui/build.mjs <dir>`): every file in it, by name. */
export async function readUiFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile())
      files.set(entry.name, new Uint8Array(await readFile(join(dir, entry.name))));
  }
  return files;
}
