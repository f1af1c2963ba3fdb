import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalServer {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

/**
 * `npm start` as tsx runs it (node with tsx's loader, one process a test can signal), on a
 * free port, over the embedded engine: endpoint variables are cleared so that a test
 * environment pointing the SDK elsewhere cannot leak in. Resolves once it is listening.
 */
export function startLocal(env: Record<string, string>): Promise<LocalServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", AWS_ENDPOINT_URL: "", AWS_ENDPOINT_URL_DYNAMODB: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
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

/** Signals the server and resolves with its exit code (at once if it already exited). */
export function stopLocal(
  server: Pick<LocalServer, "child">,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.once("exit", (code) => resolve(code));
    server.child.kill(signal);
  });
}
