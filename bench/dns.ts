import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as packet from "dns-packet";
import type { HttpClient } from "./http-client.js";
import { plainBody } from "./local-bodies.js";
import { seed } from "./local-muster.js";
import { nsdVersion, startNsd } from "./nsd.js";
import { treeCpuMicros } from "./proc.js";
import { median } from "./throughput.js";

export const DNS_SERVICE = "bench-dns";
export const ZONE = "muster.internal";
/** Seconds per dnsperf round. */
const SECONDS = 5;
const ROUNDS = 3;

/** The query set both servers answer: a 3-record SRV set, its A set, one node, one NXDOMAIN. */
const QUERIES: [string, packet.RecordType][] = [
  [`_${DNS_SERVICE}._tcp.${ZONE}`, "SRV"],
  [`${DNS_SERVICE}.${ZONE}`, "A"],
  [`node-1.${DNS_SERVICE}.${ZONE}`, "A"],
  [`nothing.${ZONE}`, "A"],
];
/** What dnsperf must report of the set: three answers and one NXDOMAIN in four. */
const EXPECTED_CODES = { NOERROR: 0.75, NXDOMAIN: 0.25 };

export interface DnsRun {
  perSecond: number;
  rounds: number[];
  cpuPerQuery: number;
  responseBytes: number;
}

/** One question to a server over UDP; its decoded answer. */
function ask(port: number, name: string, type: packet.RecordType): Promise<packet.DecodedPacket> {
  const socket = createSocket("udp4");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS answer for ${name} ${type}`));
    }, 5000);
    socket.on("message", (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(packet.decode(message));
    });
    socket.send(
      packet.encode({ type: "query", id: 7, questions: [{ name, type, class: "IN" }] }),
      port,
      "127.0.0.1",
    );
  });
}

/** A zone file with exactly the records muster answered the query set with. */
async function zoneFromMuster(port: number): Promise<string> {
  const lines = [`$ORIGIN ${ZONE}.`, `@ 5 IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 60 30 600 5`];
  const seen = new Set<string>();
  for (const [name, type] of QUERIES) {
    const answer = await ask(port, name, type);
    for (const r of [...(answer.answers ?? []), ...(answer.additionals ?? [])]) {
      let line: string | undefined;
      if (r.type === "SRV") {
        line = `${r.name}. ${r.ttl} IN SRV ${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}.`;
      } else if (r.type === "A" || r.type === "AAAA") {
        line = `${r.name}. ${r.ttl} IN ${r.type} ${r.data}`;
      }
      if (line && !seen.has(line)) {
        seen.add(line);
        lines.push(line);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** dnsperf against a server: queries per second, after checking what it was answered. */
function dnsperf(port: number, queryFile: string, seconds: number): { qps: number; bytes: number } {
  const run = spawnSync(
    "dnsperf",
    ["-s", "127.0.0.1", "-p", String(port), "-d", queryFile, "-l", String(seconds)],
    { encoding: "utf8", timeout: (seconds + 30) * 1000 },
  );
  const out = run.stdout ?? "";
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1]);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1]);
  if (!Number.isFinite(qps) || !completed) throw new Error(`dnsperf: ${out}${run.stderr}`);
  // Every query answered, and with the codes of the set: a rate of errors is no rate.
  if (lost > completed / 1000) throw new Error(`dnsperf: ${lost} of ${completed} queries lost`);
  for (const [code, share] of Object.entries(EXPECTED_CODES)) {
    const n = Number(new RegExp(`${code} (\\d+)`).exec(out)?.[1] ?? 0);
    if (Math.abs(n / completed - share) > 0.01) {
      throw new Error(`dnsperf: ${code} ${n} of ${completed}, not ${share * 100}%: ${out}`);
    }
  }
  return { qps, bytes: Number(/response (\d+)/.exec(out)?.[1]) };
}

function measure(label: string, pid: number, port: number, file: string): DnsRun {
  dnsperf(port, file, 2);
  const rounds: number[] = [];
  let queries = 0;
  let bytes = 0;
  const cpuBefore = treeCpuMicros(pid);
  for (let r = 0; r < ROUNDS; r++) {
    const run = dnsperf(port, file, SECONDS);
    rounds.push(run.qps);
    queries += run.qps * SECONDS;
    bytes = run.bytes;
  }
  const cpuPerQuery = (treeCpuMicros(pid) - cpuBefore) / queries;
  process.stderr.write(
    `bench: ${label}: ${rounds.map((q) => `${Math.round(q).toLocaleString("en")}/s`).join(", ")}; ${cpuPerQuery.toFixed(1)} µs CPU each\n`,
  );
  return { perSecond: median(rounds), rounds, cpuPerQuery, responseBytes: bytes };
}

/**
 * Plain DNS over UDP: muster (its answers cached until the service changes) against NSD
 * serving a zone of the same records, with dnsperf and the same query set.
 */
export async function dnsFigure(
  client: HttpClient,
  url: string,
  muster: { pid: number; dnsPort: number },
): Promise<{ muster: DnsRun; nsd: DnsRun; nsdVersion: string }> {
  await seed(client, url, DNS_SERVICE, 3, plainBody);
  const dir = mkdtempSync(join(tmpdir(), "muster-bench-dns-"));
  try {
    const file = join(dir, "queries");
    writeFileSync(file, `${QUERIES.map(([n, t]) => `${n} ${t}`).join("\n")}\n`);
    const zone = await zoneFromMuster(muster.dnsPort);
    const ours = measure("muster DNS (udp)", muster.pid, muster.dnsPort, file);
    const nsd = await startNsd(ZONE, zone);
    try {
      const theirs = measure("NSD (udp)", nsd.pid, nsd.port, file);
      return { muster: ours, nsd: theirs, nsdVersion: nsdVersion() };
    } finally {
      await nsd.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
