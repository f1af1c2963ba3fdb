import { spawn } from "node:child_process";
import type { CheckResult, HealthCheck } from "../checks/check.js";
import { clip } from "../checks/check.js";
import { httpCheck } from "../checks/http.js";
import { tcpCheck } from "../checks/tcp.js";
import type { CheckKind } from "./definitions.js";

/**
 * Consul's script check: the arguments run as they are (no shell), exit 0 passing, 1 warning,
 * anything else critical, the output kept (4 KiB at most).
 */
function argsCheck(args: string[]): HealthCheck {
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const [command = "", ...rest] = args;
      const child = spawn(command, rest, { stdio: ["ignore", "pipe", "pipe"], signal });
      let output = "";
      const collect = (chunk: Buffer) => {
        if (output.length < 4096) output += chunk.toString("utf8");
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      child.once("error", (err) =>
        resolve({ status: "critical", output: clip(`${command}: ${err.message}`) }),
      );
      child.once("close", (code) => {
        if (signal.aborted) return resolve({ status: "critical", output: `${command}: timed out` });
        const status = code === 0 ? "passing" : code === 1 ? "warning" : "critical";
        resolve({ status, output: output.trim() });
      });
    });
}

/** The check a kind runs; undefined for those the application or the agent itself updates. */
export function runnerOf(kind: CheckKind): HealthCheck | undefined {
  switch (kind.kind) {
    case "http":
      return httpCheck(kind.url);
    case "tcp":
      return tcpCheck(kind.address);
    case "script":
      return argsCheck(kind.args);
    default:
      return undefined;
  }
}

/**
 * Runs `check` now and every `intervalMs`, each run bounded by `timeoutMs`, reporting each
 * result; `stop` ends it (a run in flight is aborted).
 */
export function schedule(
  check: HealthCheck,
  intervalMs: number,
  timeoutMs: number,
  report: (result: CheckResult) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: AbortController | undefined;
  const run = async () => {
    running = new AbortController();
    const bounded = AbortSignal.any([running.signal, AbortSignal.timeout(timeoutMs)]);
    const result = await check(bounded);
    if (stopped) return;
    report(result);
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };
  void run();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      running?.abort();
    },
  };
}
