import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

export interface RunningEngine {
  endpoint: string;
  stop(): Promise<void>;
}

export interface DynaliteOptions {
  /** 0 or omitted: a free port. Pass the old port to restart "the same" server. */
  port?: number;
  /** LevelDB folder, so data survives a restart; in memory when omitted. */
  path?: string;
}

/**
 * dynalite, a DynamoDB-compatible engine, on loopback only. Local mode keeps its data under
 * the data folder; tests and the benchmark run it in memory.
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningEngine> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  // Zero delays: tables are ACTIVE at once, so nobody sits in a waiter.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Closing the server closes the database, which flushes LevelDB to disk.
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
