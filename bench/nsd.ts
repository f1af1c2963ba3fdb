import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../scripts/engines/child-engine.js";

const has = (command: string) =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

/**
 * NSD and dnsperf (Debian `nsd`, `dnsperf`), installed by scripts/apt-tools.mjs when missing;
 * the reason when they cannot be (then the bench has no DNS figure, and says why).
 */
export function ensureDnsTools(): string | undefined {
  if (has("nsd") && has("dnsperf")) return undefined;
  const script = fileURLToPath(new URL("../scripts/apt-tools.mjs", import.meta.url));
  const run = spawnSync(process.execPath, [script, "install", "--bench"], { encoding: "utf8" });
  if (run.status === 0 && has("nsd") && has("dnsperf")) return undefined;
  return `nsd and dnsperf are not installed (${(run.stderr || run.stdout).trim().split("\n").at(-1)})`;
}

export function nsdVersion(): string {
  const out = spawnSync("nsd", ["-v"], { encoding: "utf8" });
  return /NSD version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? "unknown";
}

export interface RunningNsd {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * NSD serving `zone` (a zone file's text) for `origin` on 127.0.0.1, one server process as
 * muster is one, response rate limiting off (it would drop a load generator's answers).
 */
export async function startNsd(origin: string, zone: string): Promise<RunningNsd> {
  const dir = mkdtempSync(join(tmpdir(), "muster-bench-nsd-"));
  const port = await freePort();
  writeFileSync(join(dir, "zone"), zone);
  writeFileSync(
    join(dir, "nsd.conf"),
    `server:
  ip-address: 127.0.0.1@${port}
  port: ${port}
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  xfrdfile: "${dir}/xfrd.state"
  zonelistfile: "${dir}/zone.list"
  xfrdir: "${dir}"
  database: ""
  verbosity: 0
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: ${origin}
  zonefile: "${dir}/zone"
`,
  );
  const child: ChildProcess = spawn("nsd", ["-d", "-c", join(dir, "nsd.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Up once it answers the zone's SOA.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const dig = spawnSync(
      "dig",
      ["@127.0.0.1", "-p", String(port), "+time=1", "+tries=1", origin, "SOA"],
      {
        encoding: "utf8",
      },
    );
    if (/status: NOERROR/.test(dig.stdout)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nsd did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, pid: child.pid as number, stop };
}
