import { type ChildProcess, spawn } from "node:child_process";
import { binary } from "../../scripts/consul-clients.mjs";

/**
 * The Go harnesses of test/consul-clients, built by the integration set-up: HashiCorp's
 * official client (`api-client`) and Prometheus's Consul discovery (`prom-consul-sd`). Each
 * prints one JSON line per call or update; these helpers run them and collect the lines.
 */

/** One call of the official client, as api-client prints it. */
export interface ClientLine {
  step: string;
  ok: boolean;
  elapsed_ms: number;
  meta?: { last_index: number; known_leader: boolean; last_contact_ms: number };
  // biome-ignore lint/suspicious/noExplicitAny: the client's own structs, asserted by the tests
  result?: any;
  error?: { status?: number; body?: string; message: string };
  note?: string;
  extra?: Record<string, unknown>;
}

/** One update of Prometheus's discoverer: the groups it sent, and every group it knows. */
export interface PromLine {
  elapsed_ms: number;
  update: PromGroup[];
  state: PromGroup[];
  targets: number;
}

export interface PromGroup {
  source: string;
  labels: Record<string, string>;
  targets: Record<string, string>[];
}

/** A running harness: its lines so far, and a way to wait for one. */
export class Harness<L> {
  readonly lines: L[] = [];
  stderr = "";
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(child: ChildProcess) {
    this.#child = child;
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) this.lines.push(JSON.parse(line) as L);
        nl = buffered.indexOf("\n");
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      // Bounded: the discoverer logs at debug level for as long as it runs.
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    this.#exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    this.#exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The first line (from `from` on) that `predicate` accepts, within `timeoutMs`. */
  async waitFor(predicate: (line: L) => boolean, timeoutMs: number, from = 0): Promise<L> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.#child.exitCode !== null) {
        throw new Error(
          `no such line within ${timeoutMs} ms; ${this.lines.length} lines, last: ${JSON.stringify(this.lines.at(-1))}\n${this.stderr.slice(-4000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  exited(): Promise<number | null> {
    return this.#exited;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill("SIGTERM");
    await this.#exited;
  }
}

/**
 * `api-client -addr <addr> [-token T] <command> <args>`, the environment cleared of Consul's
 * variables but for those in `env` (e.g. CONSUL_CACERT, which api.DefaultConfig reads).
 */
export function apiClient(
  addr: string,
  token: string | undefined,
  command: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const child = spawn(
    binary("api-client"),
    ["-addr", addr, ...(token ? ["-token", token] : []), command, ...args],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Harness<ClientLine>(child);
}

/** Runs one api-client command to its end: its exit code and lines. */
export async function runApiClient(
  addr: string,
  token: string | undefined,
  command: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const harness = apiClient(addr, token, command, args, env);
  const code = await harness.exited();
  return { code, lines: harness.lines, stderr: harness.stderr };
}

/** Prometheus's discoverer over one `consul_sd_configs` entry (YAML), for `timeoutSeconds`. */
export function promConsulSd(config: string, timeoutSeconds = 120) {
  const child = spawn(
    binary("prom-consul-sd"),
    ["-config", config, "-timeout", `${timeoutSeconds}s`],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Harness<PromLine>(child);
}

/** The targets of a service's group in a discoverer's state. */
export function targetsOf(line: PromLine, service: string): Record<string, string>[] {
  return line.state.find((g) => g.source === service)?.targets ?? [];
}
