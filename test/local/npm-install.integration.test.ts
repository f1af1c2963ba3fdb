import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/local-server.js";

const exec = promisify(execFile);

/** PATH without the project's node_modules/.bin: npm then runs on the system's Node, as a newcomer's does. */
const SYSTEM_PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !dir.includes("node_modules"))
  .join(delimiter);

/** npm with everything it printed, stdout and stderr together, and its exit code. */
async function npm(args: string[], cwd: string, path = SYSTEM_PATH) {
  // npm's own variables from the vitest run (npm test sets npm_config_*) stay out.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)),
  ) as NodeJS.ProcessEnv;
  try {
    const { stdout, stderr } = await exec("npm", args, {
      cwd,
      env: { ...env, PATH: path, NO_COLOR: "1" },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output: `${stdout}\n${stderr}` };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}\n${e.stderr}` };
  }
}

/** The npm warnings in an output: `[code, the lines of that warning]`. */
function warnings(output: string): { code: string; text: string }[] {
  const out: { code: string; text: string }[] = [];
  for (const line of output.split("\n")) {
    const match = /^npm warn (\S+)\s?(.*)$/.exec(line);
    if (!match) continue;
    const [, code, text] = match as unknown as [string, string, string];
    const last = out.at(-1);
    if (last && last.code === code && code === "EBADENGINE") last.text += `\n${text}`;
    else out.push({ code, text });
  }
  return out;
}

/** True when every `>=a.b.c` of `range` holds for `version` (the only form the lock's engines use). */
function atLeast(version: string, range: string): boolean {
  const v = version.replace(/^v/, "").split(".").map(Number);
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`an engine range this test does not read: ${range}`);
  const min = [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
  for (let i = 0; i < 3; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > (min[i] ?? 0);
  }
  return true;
}

describe("npm ci on the system's Node prints no warning about the project's own set-up", () => {
  let scratch = "";
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("every install script is reviewed (allowScripts), by npm's own account", async () => {
    const ls = await npm(["install-scripts", "ls"], ROOT);
    expect(ls.code, ls.output).toBe(0);
    expect(ls.output).toContain("No packages with unreviewed install scripts.");
  });

  it("a fresh npm ci: no engine warning about muster, no install-script warning, Node 24 installed", async () => {
    // A clean checkout's install, in a scratch folder: package.json, the lock file, and what
    // the prepare script builds the bundle of `muster serve` from (bin/local-bundle.mjs).
    scratch = await mkdtemp(join(tmpdir(), "muster-npm-ci-"));
    for (const path of [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "bin",
      "local",
      "shared",
    ]) {
      await cp(join(ROOT, path), join(scratch, path), {
        recursive: true,
        filter: (source) => !/\.test\.ts$/.test(source),
      });
    }
    const node = (
      await exec("node", ["--version"], { env: { ...process.env, PATH: SYSTEM_PATH } })
    ).stdout.trim();
    const ci = await npm(["ci", "--prefer-offline", "--no-audit", "--no-fund"], scratch);
    expect(ci.code, ci.output).toBe(0);
    const found = warnings(ci.output);
    expect(
      found.filter((w) => w.code !== "EBADENGINE"),
      ci.output,
    ).toEqual([]);
    expect(ci.output).not.toMatch(/install-scripts|allowScripts/);
    // Node 24 did install: the project runs on it whatever the system's Node is.
    const projectNode = (
      await exec(join(scratch, "node_modules", ".bin", "node"), ["--version"])
    ).stdout.trim();
    expect(projectNode).toMatch(/^v24\./);
    // Whatever engine warnings are left are a dependency's about the system's Node, for a
    // package that runs on the project's Node 24; never the project's own.
    for (const w of found.filter((x) => x.code === "EBADENGINE")) {
      const pkg = /package: '([^']+)'/.exec(w.text)?.[1] ?? "";
      const required = /required: \{ node: '([^']+)' \}/.exec(w.text)?.[1] ?? "";
      expect(pkg, w.text).not.toMatch(/^muster@/);
      expect(atLeast(projectNode, required), `${pkg} needs ${required}`).toBe(true);
      expect(atLeast(node, required), `${pkg} warns on ${node} though it is ${required}`).toBe(
        false,
      );
    }
    console.info(
      `npm ci on ${node}:`,
      found.map((w) => w.text.split("\n")[1]?.trim() ?? w.code),
    );
  }, 300_000);

  it("npx muster says nothing before muster's own output, and the engines promise holds for the system's Node", async () => {
    const npx = await new Promise<{ output: string }>((resolve) => {
      execFile(
        "npx",
        ["muster", "--help"],
        { cwd: ROOT, env: { ...process.env, PATH: SYSTEM_PATH } },
        (_err, stdout, stderr) => resolve({ output: `${stdout}${stderr}` }),
      );
    });
    expect(npx.output).not.toMatch(/npm warn/);
    expect(npx.output).toMatch(/^usage: muster serve/);
    // The promise npm checks is what starts it: the system's Node (and any npm 10 runs on).
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    const node = (
      await exec("node", ["--version"], { env: { ...process.env, PATH: SYSTEM_PATH } })
    ).stdout.trim();
    expect(atLeast(node, pkg.engines.node)).toBe(true);
    expect(atLeast("v18.17.0", pkg.engines.node)).toBe(true);
  });
});
