import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalServer {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

/** The `muster` command as a supervisor runs it: `node bin/muster.mjs serve`, one process. */
export const MUSTER_BIN = ["bin/muster.mjs", "serve"];

/**
 * `muster serve` (what `npm start` runs) on a free port, over SQLite in the data folder
 * unless `env` says otherwise: endpoint variables are cleared so that a test environment
 * pointing the SDK elsewhere cannot leak in. Resolves once it is listening.
 */
export function startLocal(env: Record<string, string>): Promise<LocalServer> {
  const child = spawnMuster(env);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${err}`)), 20_000);
    child.stderr?.on("data", (d) => {
      err += d;
      const match = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stdout: () => out, stderr: () => err });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
}

/**
 * `muster serve` run to its end (a start that is refused, or that is meant to fail), with the
 * environment startLocal gives it; resolves with its exit code and everything it printed.
 * `node` is the runtime to run it with.
 */
export function runLocal(
  env: Record<string, string>,
  node = process.execPath,
): Promise<{ code: number | null; output: string }> {
  const child = spawnMuster(env, node);
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

function spawnMuster(env: Record<string, string>, node = process.execPath): ChildProcess {
  return spawn(node, MUSTER_BIN, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      MUSTER_STORE: "",
      AWS_ENDPOINT_URL: "",
      AWS_ENDPOINT_URL_DYNAMODB: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Signals the server and resolves with its exit code (at once if it already exited). */
export function stopLocal(
  server: Pick<LocalServer, "child">,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      return resolve(server.child.exitCode);
    server.child.once("exit", (code) => resolve(code));
    server.child.kill(signal);
  });
}
