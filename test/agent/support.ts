import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import type { PresignKeys } from "../../shared/auth/presign.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import type { Instance } from "../../shared/model/instance.js";
import { DynamoStore } from "../../shared/store/dynamo-store.js";
import { engine } from "../engines/index.js";
import { freshTable } from "../support/table.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const TOKEN = "agent-test-token-0123456789";
export const OTHER_TOKEN = "agent-other-token-0123456789";

/**
 * The real registry (the app over DynamoStore on the run's dynalite) served over HTTP on
 * 127.0.0.1, on a port it keeps across `stop()` and `start()` so that an agent sees the
 * registry go away and come back at the same URL. Its clock can be moved forward to make
 * leases lapse while it is away, without sleeping through a TTL.
 */
export async function startRegistry(options: { presign?: PresignKeys } = {}) {
  const dynalite = engine("dynalite");
  const { client, tableName } = await freshTable(dynalite);
  const clock = { offsetMs: 0 };
  const app = createApp({
    store: new DynamoStore({ client, tableName }),
    tokens: new TokenSet([TOKEN, OTHER_TOKEN]),
    now: () => Date.now() + clock.offsetMs,
    ...(options.presign ? { presign: options.presign } : {}),
  });
  let server: Server | undefined;
  let port = 0;

  const start = async () => {
    const s = createAdaptorServer({ fetch: app.fetch }) as Server;
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    // Kept-alive agent connections would hold close() open until they time out.
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  const url = `http://127.0.0.1:${port}`;

  const auth = { Authorization: `Bearer ${TOKEN}` };
  return {
    url,
    clock,
    start,
    stop,
    /** Live instances as GET /instances serves them (query: e.g. `?status=passing`). */
    instances: async (service: string, query = ""): Promise<Instance[]> => {
      const res = await fetch(`${url}/v1/services/${service}/instances${query}`, { headers: auth });
      if (!res.ok) throw new Error(`GET instances: ${res.status}`);
      return ((await res.json()) as { instances: Instance[] }).instances;
    },
    get: (path: string) => fetch(`${url}${path}`, { headers: auth }),
    heartbeat: (service: string, body: unknown, token = TOKEN) =>
      fetch(`${url}/v1/services/${service}/heartbeats`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
    close: async () => {
      await stop();
      client.destroy();
    },
  };
}

export type RunningRegistry = Awaited<ReturnType<typeof startRegistry>>;

/**
 * The single-file agent, built as `npm run build:agent` builds it, into a temp folder; remove
 * it with `removeAgent`.
 */
export async function buildAgent(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "muster-agent-"));
  const out = join(dir, "muster-agent.mjs");
  execFileSync(process.execPath, [join(ROOT, "agent", "build.mjs"), out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return out;
}

export async function removeAgent(bundle: string | undefined): Promise<void> {
  if (bundle) await rm(dirname(bundle), { recursive: true, force: true });
}

export interface AgentProcess {
  child: ChildProcess;
  /** stderr and stdout so far. */
  output(): string;
  stdout(): string;
  exited: Promise<number | null>;
  /** Sends a signal (if still running) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `node muster-agent.mjs …` as a node would run it: its own process, signals and all. */
export function spawnAgent(
  bundle: string,
  args: string[],
  env: Record<string, string> = {},
): AgentProcess {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", MUSTER_TOKEN: TOKEN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let all = "";
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
    all += d;
  });
  child.stderr?.on("data", (d) => {
    all += d;
  });
  // "close", not "exit": it comes after stdout and stderr have ended, so output() is complete.
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
  return {
    child,
    output: () => all,
    stdout: () => out,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it answers something other than undefined/false; bounded. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A command line written as one string: `words(\`--id ${id} --ttl 5\`)`. No quoting. */
export function words(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== "");
}
