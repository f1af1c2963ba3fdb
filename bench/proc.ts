import { readdirSync, readFileSync } from "node:fs";

/** A process's resident memory, in bytes (Linux: /proc/<pid>/status). */
export function rss(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb * 1024;
}

/** CPU time a process has used, all its threads, in µs (Linux: /proc/<pid>/stat, 10 ms ticks). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** The machine's 1-minute load average, as the bench prints it beside its figures. */
export function load(): string {
  const [one] = readFileSync("/proc/loadavg", "utf8").split(" ");
  return one ?? "?";
}

/** CPU time of a process and every process below it (NSD serves from a child), in µs. */
export function treeCpuMicros(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(
        readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ")[1],
      );
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  const walk = (p: number) => {
    try {
      total += cpuMicros(p);
    } catch {
      return;
    }
    for (const child of children.get(p) ?? []) walk(child);
  };
  walk(pid);
  return total;
}
