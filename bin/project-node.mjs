// Plain JavaScript any Node parses: what `muster` does when started by a Node older than the
// one it needs. `npm ci` installs Node 24 as the project's `node` devDependency, so the same
// command runs again under that Node, with the same arguments, environment and terminal.
// Signals a supervisor sends to this pid are passed on, and the exit status passed back; the
// server stops by itself if this process is killed outright (local/parent-watch.ts).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** EX_CONFIG: a start that is refused (local/exit-status.ts). */
const EXIT_REFUSED = 78;
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP"];

/** Never resolves: this process exits as the one it started does. */
export function runUnderProjectNode(minMajor) {
  const node = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  if (!existsSync(node)) {
    console.error(
      `muster: needs Node.js ${minMajor} or newer, this is ${process.version}, and the project's own Node ${minMajor} is not installed: run npm ci in ${root}, or install Node ${minMajor}`,
    );
    process.exit(EXIT_REFUSED);
  }
  const child = spawn(node, process.argv.slice(1), { stdio: "inherit" });
  const pass = (signal) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, pass);
  // Killed outright by a supervisor that sends no signal on, or left behind by a wrapper that
  // died of one: the server is told to stop, as if the signal had come here.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) child.kill("SIGTERM");
  }, 200);
  watch.unref();
  child.once("error", (err) => {
    console.error(`muster: cannot start ${node}: ${err.message}`);
    process.exit(EXIT_REFUSED);
  });
  child.once("exit", (code, signal) => {
    for (const s of FORWARDED) process.off(s, pass);
    clearInterval(watch);
    // Killed by a signal: die of the same one, so that whoever waits on us sees it.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return new Promise(() => {});
}
