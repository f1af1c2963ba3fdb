import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/local-server.js";
import { type Command, missingLine, walkthrough } from "../support/walkthrough.js";

const exec = promisify(execFile);

/** A free port on 127.0.0.1 for TCP (and, for DNS, UDP: the same number is asked of both). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function until<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process started from a terminal: its own process group, so Ctrl-C is SIGINT to the group. */
interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** What the README's first command (npm ci) made: the test links the repository's instead. */
const INSTALLED = /^npm ci$/;
/** Commands that run until Ctrl-C: started in the background, their output watched. */
const LONG_RUNNING = /(^|\s)npm start$|muster-agent (run|watch)\b/;

describe("the README's walk-through, run as written", () => {
  const started: Running[] = [];
  let tmp = "";
  afterAll(async () => {
    for (const r of started) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        try {
          process.kill(-(r.child.pid as number), "SIGKILL");
        } catch {}
      }
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("every command runs, and prints what the README says", { timeout: 240_000 }, async () => {
    tmp = await mkdtemp(join(tmpdir(), "muster-readme-"));
    // A fresh clone (the repository's files, not its .muster/ or dist/), at a path the
    // README's /home/you/muster stands for; `npm ci`'s node_modules linked from here.
    const clone = join(tmp, "muster");
    const { stdout } = await exec("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const file of stdout.split("\0").filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue;
      await mkdir(dirname(join(clone, file)), { recursive: true });
      await cp(join(ROOT, file), join(clone, file));
    }
    await symlink(join(ROOT, "node_modules"), join(clone, "node_modules"));

    const [http, dns] = [await freePort(), await freePort()];
    const substitute = (text: string) =>
      text
        .replaceAll("8787", String(http))
        .replaceAll("8053", String(dns))
        .replaceAll("/home/you/muster", clone);
    // The environment of a terminal: none of npm test's own npm_* variables, its own npm cache
    // (npx installs this clone's bins there), and nothing of this machine's CA setting.
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_|^NODE_EXTRA_CA_CERTS$/i.test(k)),
    );
    const env = { ...base, npm_config_cache: join(tmp, "npm-cache"), NO_COLOR: "1" };
    const state = join(tmp, "terminal-state.sh");
    await writeFile(state, "");

    // The README's way to another port: PORT=… npm start, and that port for 8787 below.
    const background = (command: string, withState: boolean): Running => {
      // One simple command: bash runs it in its own place, as a terminal's shell would.
      const script = withState ? `. ${state}\n${command}` : command;
      const child = spawn("bash", ["-c", script], {
        cwd: clone,
        env: withState ? env : { ...env, PORT: String(http) },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (d) => {
        output += d;
      });
      child.stderr?.on("data", (d) => {
        output += d;
      });
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      const running = { child, output: () => output, exited };
      started.push(running);
      return running;
    };
    /** Ctrl-C in the terminal it runs in. */
    const interrupt = async (r: Running) => {
      process.kill(-(r.child.pid as number), "SIGINT");
      await r.exited;
    };
    /** One command in the other terminal: what it exported before is still exported. */
    const run = async (command: Command) => {
      const script = `set -o pipefail\n. ${state}\n${substitute(command.text)}\nrc=$?\nexport -p > ${state}\nexit $rc`;
      try {
        const out = await exec("bash", ["-c", script], { cwd: clone, env, timeout: 60_000 });
        return { code: 0, output: `${out.stdout}\n${out.stderr}` };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, output: `${e.stdout}\n${e.stderr}` };
      }
    };
    const expectLines = async (what: string, expected: string[], output: () => string) => {
      const lines = expected.map(substitute);
      await until(`${what} printing ${JSON.stringify(lines)}`, 30_000, () =>
        missingLine(lines, output()) === undefined ? true : undefined,
      ).catch(() => {
        expect(missingLine(lines, output()), `${what}:\n${output()}`).toBeUndefined();
      });
    };

    const steps = walkthrough(
      await readFile(join(ROOT, "README.md"), "utf8"),
      "## Quick start",
      "## On AWS",
    );
    let server: Running | undefined;
    const agents: Running[] = [];
    let ran = 0;
    for (const step of steps) {
      if (step.kind === "output") {
        // What the server printed as it started.
        expect(server, "an output block with no server started before it").toBeDefined();
        await expectLines("the server", step.lines, (server as Running).output);
        continue;
      }
      if (step.kind === "file") {
        const name = /`([\w.-]+\.(?:ya?ml|json))`/.exec(step.prose)?.[1];
        expect(name, `the file name for a block after: ${step.prose}`).toBeDefined();
        await writeFile(join(clone, name as string), substitute(step.text));
        continue;
      }
      for (const command of step.commands) {
        if (INSTALLED.test(command.text)) {
          expect(ran, "npm ci comes first").toBe(0);
          continue;
        }
        ran++;
        if (/(^|\s)npm start$/.test(command.text)) {
          if (server) {
            // A step that starts the registry again says to stop the one running first.
            expect(step.prose, "a restart without saying to stop the first").toMatch(/Ctrl-C/);
            await interrupt(server);
            expect(existsSync(join(clone, ".muster", "lock"))).toBe(false);
          }
          server = background(substitute(command.text), false);
          const s = server;
          await until(`the registry listening after ${command.text}:\n${s.output()}`, 30_000, () =>
            /listening on https?:\/\//.test(s.output()) ? true : undefined,
          ).catch((err: Error) => {
            throw new Error(`${err.message}\n${s.output()}`);
          });
          await expectLines(command.text, command.expect, s.output);
        } else if (LONG_RUNNING.test(command.text)) {
          const agent = background(substitute(command.text), true);
          agents.push(agent);
          await expectLines(command.text, command.expect, agent.output);
        } else {
          const result = await run(command);
          expect(result.code, `${command.text}\n${result.output}`).toBe(0);
          await expectLines(command.text, command.expect, () => result.output);
        }
      }
    }
    expect(ran).toBeGreaterThan(10);

    // Ctrl-C everywhere: the agent deregisters and exits 0; the registry stops and frees its folder.
    for (const agent of agents) {
      await interrupt(agent);
      expect(agent.output()).toMatch(/deregistered web\/web-2/);
    }
    if (server) await interrupt(server);
    expect(existsSync(join(clone, ".muster", "lock"))).toBe(false);
    expect((await stat(join(clone, ".muster", "token"))).mode & 0o777).toBe(0o600);
  });
});
