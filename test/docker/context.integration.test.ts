import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/local-server.js";

const run = promisify(execFile);
// A CommonJS module whose types declare an ES default export: required as what it is.
const ignore = createRequire(import.meta.url)(
  "@balena/dockerignore",
) as typeof import("@balena/dockerignore").default;

/** Every file under `dir`, relative, with `/` (what the docker CLI walks to make the context tar). */
async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, path)));
    else out.push(path);
  }
  return out;
}

/**
 * The files `docker build` sends from `dir`: its .dockerignore read with Docker's own rules
 * (@balena/dockerignore, a port of moby's matcher: `*` at the top only, a path excluded when
 * it or a parent matches, `!` re-including).
 */
async function context(dir: string): Promise<string[]> {
  const rules = await readFile(join(dir, ".dockerignore"), "utf8").catch(() => "");
  return ignore()
    .add(rules.split("\n"))
    .filter(await walk(dir));
}

/** The Dockerfile's own check of the context: its RUN with the context mounted, as a script. */
async function contextCheck(): Promise<string> {
  const dockerfile = await readFile(join(ROOT, "examples", "Dockerfile"), "utf8");
  const joined = dockerfile.replace(/\\\n/g, " ");
  const run = joined
    .split("\n")
    .find((line) => line.startsWith("RUN --mount=type=bind,target=/context"));
  if (!run) throw new Error("examples/Dockerfile has no RUN that checks the mounted context");
  return run.replace(/^RUN --mount=type=bind,target=\/context\s+/, "");
}

/** Runs the check over `dir` as the build would over its mounted context. */
async function check(dir: string): Promise<{ code: number; stderr: string }> {
  const script = (await contextCheck()).replaceAll("/context", dir);
  try {
    await run("sh", ["-c", script]);
    return { code: 0, stderr: "" };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** `files` of `from` copied into `to`, as the context tar would unpack. */
async function materialize(from: string, files: string[], to: string): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await cp(join(from, file), join(to, file));
  }
}

describe("examples/Dockerfile's build context", () => {
  let work = "";
  let tmp = "";
  const planted = [
    ".muster/token",
    ".muster/signing-keys.json",
    ".muster/presign-keys.json",
    ".muster/muster.db",
    "cert.pem",
    "key.pem",
    "node_modules/hono/package.json",
    "local/.muster/token",
    "shared/node_modules/x/index.js",
    "dist/muster-agent.mjs",
    "coverage/index.html",
  ];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "muster-docker-"));
    // A working copy as a developer's looks after `npm ci`, `npm start` and the HTTPS
    // walk-through: the repository's files, plus a data folder, keys and node_modules.
    work = join(tmp, "work");
    const { stdout } = await run("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tracked = stdout.split("\0").filter(Boolean);
    const present: string[] = [];
    for (const f of tracked) {
      if (
        await stat(join(ROOT, f)).then(
          () => true,
          () => false,
        )
      )
        present.push(f);
    }
    await materialize(ROOT, present, work);
    for (const file of planted) {
      await mkdir(dirname(join(work, file)), { recursive: true });
      await writeFile(join(work, file), `secret ${file}\n`);
    }
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("sends the server's code and the lock file, and none of the data, keys or node_modules", async () => {
    const sent = await context(work);
    for (const file of planted) expect(sent, file).not.toContain(file);
    expect(sent.filter((f) => /(^|\/)(\.muster|node_modules)\//.test(f))).toEqual([]);
    expect(sent.filter((f) => /\.(pem|key)$/.test(f))).toEqual([]);
    expect(sent.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
    // Only the folders the image runs.
    const tops = [...new Set(sent.map((f) => f.split("/")[0]))].sort();
    expect(tops).toEqual([
      "bin",
      "local",
      "package-lock.json",
      "package.json",
      "shared",
      "tsconfig.json",
      "ui",
    ]);
    let bytes = 0;
    for (const f of sent) bytes += (await stat(join(work, f))).size;
    console.info(`build context: ${sent.length} files, ${(bytes / 1024).toFixed(0)} KiB`);
  });

  it("holds everything the Dockerfile copies, and the server's imports resolve within it", async () => {
    const sent = new Set(await context(work));
    const dockerfile = await readFile(join(ROOT, "examples", "Dockerfile"), "utf8");
    const sources = dockerfile
      .split("\n")
      .filter((l) => l.startsWith("COPY "))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const there = sent.has(source) || [...sent].some((f) => f.startsWith(`${source}/`));
      expect(there, source).toBe(true);
    }
    // Every relative import of the code the image runs stays inside what is sent.
    const code = [...sent].filter((f) => /\.(ts|mjs)$/.test(f));
    for (const file of code) {
      const text = await readFile(join(work, file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
        const target = join(dirname(file), spec as string).replace(/\.js$/, ".ts");
        const found = sent.has(target) || sent.has(join(dirname(file), spec as string));
        expect(found, `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it("passes the Dockerfile's own check, which refuses a context that holds data or keys", async () => {
    const sent = join(tmp, "sent");
    await materialize(work, await context(work), sent);
    expect(await check(sent)).toEqual({ code: 0, stderr: "" });

    // The whole working copy, as a context without the repository's .dockerignore would be.
    const refused = await check(work);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "refusing to build: the build context holds data, keys or node_modules:",
    );
    for (const name of [".muster", "cert.pem", "key.pem", "node_modules"]) {
      expect(refused.stderr).toContain(`${work}/${name}`);
    }
    expect(refused.stderr).toContain("build from a clean checkout");

    // A key that got inside a folder the image copies is caught too.
    await writeFile(join(sent, "local", "key.pem"), "secret\n");
    expect((await check(sent)).code).toBe(1);
  });
});
