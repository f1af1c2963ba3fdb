import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runLocal } from "../support/local-server.js";

/** The system's Node (20 on the project's machines and CI); npm scripts run the project's 24. */
const SYSTEM_NODE = "/usr/bin/node";
/** PATH without the project's node_modules/.bin: what a shell or a supervisor has. */
const SYSTEM_PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !dir.includes("node_modules"))
  .join(delimiter);

/** Exited, or a zombie waiting for init to reap it (this machine's init reaps slowly). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Started {
  wrapper: ChildProcess;
  server: number;
  url: string;
  output: () => string;
}

/** Runs `command` as a supervisor would, and waits for the server behind it to listen. */
async function startVia(
  command: string,
  args: string[],
  dataDir: string,
  path = process.env.PATH ?? "",
): Promise<Started> {
  const wrapper = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: path,
      PORT: "0",
      MUSTER_DATA_DIR: dataDir,
      MUSTER_TOKENS: "supervisor-test-token-0123456789",
      MUSTER_STORE: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  wrapper.stdout?.on("data", (d) => {
    output += d;
  });
  wrapper.stderr?.on("data", (d) => {
    output += d;
  });
  await until("listening", () => /listening on http/.test(output), 30_000);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
  const server = Number((await readFile(join(dataDir, "lock"), "utf8")).trim());
  return { wrapper, server, url, output: () => output };
}

describe("muster serve under a supervisor: SIGTERM to the pid it started stops the server", () => {
  const dirs: string[] = [];
  const started: Started[] = [];
  const measured: Record<string, number> = {};
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-sup-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const s of started) {
      if (!gone(s.server)) process.kill(s.server, "SIGKILL");
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    console.info("SIGTERM to the supervisor's pid → server gone, lock released (ms):", measured);
  });

  const ways: [string, string, string[], string?][] = [
    ["npm start", "npm", ["start"]],
    ["npx muster serve", "npx", ["muster", "serve"]],
    // dash runs the command as a child, and dies of SIGTERM without passing it on.
    ["sh -c 'node bin/muster.mjs serve'", "sh", ["-c", "node bin/muster.mjs serve"]],
    // The system's older Node: bin/muster.mjs runs itself again under the project's Node 24.
    [
      "sh -c 'node bin/muster.mjs serve' on the system's Node",
      "sh",
      ["-c", `${SYSTEM_NODE} bin/muster.mjs serve`],
      SYSTEM_PATH,
    ],
    ["node bin/muster.mjs serve on the system's Node", SYSTEM_NODE, ["bin/muster.mjs", "serve"]],
  ];

  it.each(ways)("%s", { timeout: 60_000 }, async (name, command, args, path) => {
    const dataDir = await tempDir();
    const s = await startVia(command, args, dataDir, path);
    started.push(s);
    // Something stands between the supervisor and the server.
    expect(s.server).not.toBe(s.wrapper.pid);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const wrapperExit = new Promise((r) => s.wrapper.once("exit", r));

    const signalled = Date.now();
    s.wrapper.kill("SIGTERM");
    // Generous for a loaded machine; the figure itself is printed (about 0.1–0.3 s here).
    await until(
      "server gone and lock released",
      () => gone(s.server) && !existsSync(join(dataDir, "lock")),
      10_000,
    );
    measured[name] = Date.now() - signalled;
    await wrapperExit;
    expect(s.output()).toMatch(/(SIGTERM|has exited \(.*\)): shutting down/);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();

    // The supervisor's restart finds the folder free.
    const again = await startVia(command, args, dataDir, path);
    started.push(again);
    again.wrapper.kill("SIGTERM");
    await until("second server gone", () => gone(again.server), 10_000);
  });

  it("keeps running after the process that started it exits, with MUSTER_OUTLIVE_PARENT=true", async () => {
    const dataDir = await tempDir();
    const wrapper = spawn("sh", ["-c", "node bin/muster.mjs serve & wait"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: "0",
        MUSTER_DATA_DIR: dataDir,
        MUSTER_TOKENS: "supervisor-test-token-0123456789",
        MUSTER_OUTLIVE_PARENT: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    wrapper.stderr?.on("data", (d) => {
      output += d;
    });
    await until("listening", () => /listening on http/.test(output), 30_000);
    const server = Number((await readFile(join(dataDir, "lock"), "utf8")).trim());
    started.push({ wrapper, server, url: "", output: () => output });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    wrapper.kill("SIGKILL");
    // Past several of the watch's looks at its parent.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(gone(server)).toBe(false);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    process.kill(server, "SIGTERM");
    await until("server gone", () => gone(server) && !existsSync(join(dataDir, "lock")), 10_000);
  });

  it("stops with one line on an older Node when the project's Node 24 is not installed", async () => {
    // bin/ alone, where no node_modules/node is beside it.
    const copy = await tempDir();
    await cp(join(ROOT, "bin"), join(copy, "bin"), { recursive: true });
    const child = spawn(SYSTEM_NODE, [join(copy, "bin", "muster.mjs"), "serve"], {
      cwd: copy,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr?.on("data", (d) => {
      output += d;
    });
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(78);
    expect(output.trim().split("\n")).toHaveLength(1);
    expect(output).toMatch(
      /^muster: needs Node\.js 24 or newer, this is v(1|2[0-3])\.\S+, and the project's own Node 24 is not installed: run npm ci in /,
    );
    expect(existsSync(join(copy, ".muster"))).toBe(false);
  });

  it("refuses a bad setting on the system's Node with the refusal's exit status, through Node 24", async () => {
    const dataDir = await tempDir();
    const result = await runLocal({ MUSTER_DATA_DIR: dataDir, PORT: "http" }, SYSTEM_NODE);
    expect(result.code).toBe(78);
    expect(result.output).toMatch(/^muster: invalid configuration: PORT: /m);
  });
});
