import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildBundle, freshBundle } from "../../bin/local-bundle.mjs";
import { ROOT, startLocal, stopLocal } from "../support/local-server.js";

const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temp.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A checkout of two source files (the CLI and a module it imports) and what else keys a bundle. */
function checkout(greeting: string): string {
  const root = tempDir("muster-bundle-src-");
  mkdirSync(join(root, "local"));
  mkdirSync(join(root, "bin"));
  writeFileSync(
    join(root, "local", "cli.ts"),
    'import { greeting } from "./greeting.js";\nconsole.log(greeting);\n',
  );
  writeFileSync(
    join(root, "local", "greeting.ts"),
    `export const greeting: string = "${greeting}";\n`,
  );
  writeFileSync(join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
  writeFileSync(join(root, "tsconfig.json"), "{}\n");
  writeFileSync(join(root, "bin", "local-bundle.mjs"), "// the builder\n");
  return root;
}

const run = (entry: string) =>
  execFileSync(process.execPath, [entry], { encoding: "utf8", timeout: 30_000 }).trim();

describe("the local-mode bundle (bin/local-bundle.mjs)", () => {
  it("is rebuilt whenever a file it was built from, the lock file or the builder changes", async () => {
    const root = checkout("one");
    const dir = join(tempDir("muster-bundle-out-"), "bundles");
    expect(freshBundle(dir, root)).toBeUndefined();
    const first = await buildBundle(dir, root);
    expect(freshBundle(dir, root)).toBe(first);
    expect(run(first)).toBe("one");
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    // An imported module changes: stale, and the rebuild runs the new source.
    writeFileSync(join(root, "local", "greeting.ts"), 'export const greeting: string = "two";\n');
    expect(freshBundle(dir, root)).toBeUndefined();
    const second = await buildBundle(dir, root);
    expect(second).not.toBe(first);
    expect(run(second)).toBe("two");
    expect(freshBundle(dir, root)).toBe(second);

    // What the dependencies are, and how the bundle is made, key it too.
    for (const file of ["package-lock.json", join("bin", "local-bundle.mjs")]) {
      writeFileSync(join(root, file), `${readFileSync(join(root, file), "utf8")}// changed\n`);
      expect(freshBundle(dir, root), file).toBeUndefined();
      await buildBundle(dir, root);
      expect(freshBundle(dir, root), file).toBeDefined();
    }
    // A file it was built from is gone: stale (the build then fails, as the source does).
    rmSync(join(root, "local", "greeting.ts"));
    expect(freshBundle(dir, root)).toBeUndefined();
    await expect(buildBundle(dir, root)).rejects.toThrow(/greeting/);
  }, 60_000);

  it("is what muster serve runs, kept fresh, in the pid it was started as with its V8 settings", async () => {
    const server = await startLocal({
      MUSTER_DATA_DIR: join(tempDir("muster-bundle-data-"), "data"),
      MUSTER_TOKENS: "bundle-test-token-0123456789abcdef",
    });
    try {
      const pid = server.child.pid as number;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(cmdline).toContain("--max-semi-space-size=4");
      // The bundle it ran is kept, and matches the source as it is.
      const bundles = join(ROOT, "node_modules", ".cache", "muster-serve");
      expect(freshBundle(bundles)).toBeDefined();
    } finally {
      expect(await stopLocal(server)).toBe(0);
    }
  });
});
