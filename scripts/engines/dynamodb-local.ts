import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import type { RunningEngine } from "../../local/dynalite.js";

const HOME = fileURLToPath(new URL("../../.cache/dynamodb-local/", import.meta.url));
const LAUNCHER = fileURLToPath(new URL("../DynamoDBLocalLoopback.java", import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface DynamoDBLocalOptions {
  /** Omitted: a free port. Pass the old port to restart on it. */
  port?: number;
}

/** Claims `port` (0: any) on loopback and lets it go, to learn that it is free there. */
async function probePort(port: number): Promise<number> {
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

/**
 * Starts Amazon's DynamoDB Local (fetched by `node scripts/dynamodb-local.mjs fetch`) on
 * 127.0.0.1 only, through the launcher beside this folder: the stock one binds every interface.
 */
export async function startDynamoDBLocal(
  options: DynamoDBLocalOptions = {},
): Promise<RunningEngine> {
  if (!existsSync(`${HOME}DynamoDBLocal.jar`)) {
    throw new Error(`DynamoDB Local is not in ${HOME}; run: node scripts/dynamodb-local.mjs fetch`);
  }
  // Checked even for a given port: otherwise whatever holds it would answer the readiness probe
  // while our JVM dies on bind.
  const port = await probePort(options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    "java",
    [
      `-Djava.library.path=${HOME}DynamoDBLocal_lib`,
      "-cp",
      "DynamoDBLocal.jar",
      // Java 11+ runs a single source file as it is: nothing to compile or commit.
      LAUNCHER,
      "-inMemory",
      // One database whatever the credentials/region, like a real account's table namespace.
      "-sharedDb",
      // Telemetry would try to reach AWS, which these machines cannot.
      "-disableTelemetry",
      "-port",
      String(port),
    ],
    // Own process group, so stop() takes down anything the JVM may have forked.
    { cwd: HOME, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Keep the tail of the output: it is the only clue when the JVM refuses to start.
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

  const kill = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  // A detached JVM would outlive a crashed test run and hold its port.
  const onExit = () => kill("SIGKILL");
  process.once("exit", onExit);

  const stop = async () => {
    process.off("exit", onExit);
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };

  // Any credentials do; explicit ones keep the SDK from searching the provider chain.
  const probe = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning and the request hangs on.
    requestHandler: { connectionTimeout: 500, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `DynamoDB Local exited before answering on ${endpoint}: ` +
            `${spawnError?.message ?? `code ${child.exitCode ?? child.signalCode}`}\n${output}`,
        );
      }
      try {
        await probe.send(new ListTablesCommand({}));
        // The JVM binds late in its start; make sure the answer did not come from a squatter.
        if (child.exitCode === null && child.signalCode === null) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.destroy();
  }
  return { endpoint, stop };
}
