import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { dynamodbLocalDir } from "../tool-cache.mjs";
import { freePort, startChildEngine } from "./child-engine.js";
import type { RunningEngine } from "./running-engine.js";

const HOME = `${dynamodbLocalDir()}/`;
const LAUNCHER = fileURLToPath(new URL("../DynamoDBLocalLoopback.java", import.meta.url));

export interface DynamoDBLocalOptions {
  /** Omitted: a free port. Pass the old port to restart on it. */
  port?: number;
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
  const port = await freePort(options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  // Any credentials do; explicit ones keep the SDK from searching the provider chain.
  const probe = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning and the request hangs on.
    requestHandler: { connectionTimeout: 500, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  try {
    return await startChildEngine({
      name: "DynamoDB Local",
      command: "java",
      args: [
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
      cwd: HOME,
      endpoint,
      probe: () => probe.send(new ListTablesCommand({})),
    });
  } finally {
    probe.destroy();
  }
}
