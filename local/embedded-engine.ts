import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";

export interface EmbeddedEngine {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite on loopback, its LevelDB files under `<dataDir>/dynalite`, so that the registry
 * survives a restart. Only this process talks to it.
 */
export async function startEmbeddedEngine(dataDir: string): Promise<EmbeddedEngine> {
  const path = join(dataDir, "dynalite");
  mkdirSync(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
