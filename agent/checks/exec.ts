import { spawn } from "node:child_process";
import { type CheckResult, clip, type HealthCheck } from "./check.js";

/**
 * Runs `command` with /bin/sh: exit 0 passing, 1 warning, anything else critical — the Nagios
 * plugin convention Consul's script checks follow, so existing check scripts work unchanged.
 */
export function execCheck(command: string): HealthCheck {
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      // Its own process group, so that a timeout kills what the shell started too.
      const child = spawn("/bin/sh", ["-c", command], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const collect = (chunk: Buffer) => {
        if (output.length < 4096) output += chunk.toString("utf8");
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      };
      if (signal.aborted) kill();
      signal.addEventListener("abort", kill, { once: true });
      const finish = (result: CheckResult) => {
        signal.removeEventListener("abort", kill);
        resolve(result);
      };
      child.once("error", (err) => finish({ status: "critical", output: err.message }));
      child.once("close", (code, killedBy) => {
        const said = clip(output);
        if (signal.aborted) {
          finish({ status: "critical", output: `${command}: timed out${said ? `: ${said}` : ""}` });
        } else if (killedBy) {
          finish({ status: "critical", output: `${command}: killed by ${killedBy}` });
        } else {
          const status = code === 0 ? "passing" : code === 1 ? "warning" : "critical";
          finish({ status, output: `${command}: exit ${code}${said ? `: ${said}` : ""}` });
        }
      });
    });
}
