import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { RunningEngine } from "./running-engine.js";

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Claims `port` (0: any) on loopback and lets it go, to learn that it is free there. */
export async function freePort(port = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${port} is already in use`) : err),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port from probe");
  return address.port;
}

function exited(child: ChildProcess): Promise<void> {
  // No pid: spawn itself failed (e.g. no java), and no "exit" event will follow.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export interface ChildEngineOptions {
  /** For messages: "DynamoDB Local", "moto server". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  endpoint: string;
  /** Resolves when the engine answers; throws (or rejects) while it does not yet. */
  probe: () => Promise<unknown>;
  /** How long to wait for the first answer; 30 s unless the engine is known to be slower. */
  startTimeoutMs?: number;
}

/**
 * An engine that runs as a child process (a JVM, a Python server): started in its own process
 * group, probed until it answers, killed with its group on stop() and when this process exits,
 * so a crashed test run never leaves one holding a port.
 */
export async function startChildEngine(options: ChildEngineOptions): Promise<RunningEngine> {
  const { name, endpoint } = options;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep the tail of the output: it is the only clue when the engine refuses to start.
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  const kill = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || !running()) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = () => kill("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      if (spawnError || !running()) {
        throw new Error(
          `${name} exited before answering on ${endpoint}: ` +
            `${spawnError?.message ?? `code ${child.exitCode ?? child.signalCode}`}\n${output}`,
        );
      }
      try {
        await options.probe();
        // Answered, and by our process: a squatter on the port would not keep ours alive.
        if (running()) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${name} did not answer on ${endpoint} within ${startTimeoutMs / 1000} s\n${output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}
