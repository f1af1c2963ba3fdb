import { existsSync } from "node:fs";
import { join } from "node:path";
import { motoVenv } from "../tool-cache.mjs";
import { freePort, startChildEngine } from "./child-engine.js";
import type { RunningEngine } from "./running-engine.js";

const PYTHON = join(motoVenv(), "bin", "python");

/**
 * Starts moto server (installed by `node scripts/moto.mjs install`) on 127.0.0.1: one process
 * that answers every AWS API moto implements, EC2 and Cloud Map among them, on one endpoint.
 */
export async function startMoto(): Promise<RunningEngine> {
  if (!existsSync(PYTHON)) {
    throw new Error(`moto is not installed in ${PYTHON}; run: node scripts/moto.mjs install`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  return startChildEngine({
    name: "moto server",
    // `python -m moto.server`: the venv's console scripts point at the folder it was built in.
    command: PYTHON,
    args: ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    endpoint,
    probe: async () => {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
    },
  });
}
