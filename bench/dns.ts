import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
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

type Query = [string, packet.RecordType];

/**
 * What both servers are asked, per transport. Over UDP, a service's A set, one node and one
 * NXDOMAIN: answers muster sends whole. The 3-record SRV set goes over TCP, where resolvers ask
 * it: over UDP muster answers it truncated (TC), as its reply to an unproven address is at most
 * three times the query (docs/hardening.md), and the resolver asks again over TCP.
 */
const SETS = {
  udp: {
    queries: [
      [`${DNS_SERVICE}.${ZONE}`, "A"],
      [`node-1.${DNS_SERVICE}.${ZONE}`, "A"],
      [`nothing.${ZONE}`, "A"],
    ] as Query[],
    codes: { NOERROR: 2 / 3, NXDOMAIN: 1 / 3 },
  },
  tcp: {
    queries: [[`_${DNS_SERVICE}._tcp.${ZONE}`, "SRV"]] as Query[],
    codes: { NOERROR: 1, NXDOMAIN: 0 },
  },
} as const;
type Transport = keyof typeof SETS;
const QUERIES: Query[] = [...SETS.udp.queries, ...SETS.tcp.queries];

export interface DnsRun {
  perSecond: number;
  rounds: number[];
  cpuPerQuery: number;
  responseBytes: number;
}

/**
 * A query as dnsperf sends it with `-e`, and as resolvers do: EDNS0, no cookie. Without EDNS
 * a query is so short that muster's bound on a UDP reply (three times the query) truncates a
 * three-record SRV set, and a rate of truncated answers would be no rate.
 */
function query(name: string, type: packet.RecordType): packet.Packet {
  return {
    type: "query",
    id: 7,
    questions: [{ name, type, class: "IN" }],
    additionals: [
      {
        type: "OPT",
        name: ".",
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  };
}

/** One question to a server over UDP; its decoded answer. */
function askUdp(
  port: number,
  name: string,
  type: packet.RecordType,
): Promise<packet.DecodedPacket> {
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
    socket.send(packet.encode(query(name, type)), port, "127.0.0.1");
  });
}

/** The same over TCP, where no size bound applies: the whole answer, glue included. */
function askTcp(
  port: number,
  name: string,
  type: packet.RecordType,
): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no DNS answer over TCP for ${name} ${type}`));
    }, 5000);
    socket.on("error", reject);
    socket.on("connect", () => socket.write(packet.streamEncode(query(name, type))));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(packet.streamDecode(buffered) as packet.DecodedPacket);
      }
    });
  });
}

/**
 * Muster's UDP answers to the UDP set are whole: not truncated, and as many answers as over
 * TCP. Otherwise the run fails: dnsperf counts a truncated NOERROR like any other.
 */
async function checkWhole(port: number): Promise<void> {
  for (const [name, type] of SETS.udp.queries) {
    const [udp, tcp] = await Promise.all([askUdp(port, name, type), askTcp(port, name, type)]);
    const truncated = ((udp.flags ?? 0) & packet.TRUNCATED_RESPONSE) !== 0;
    if (truncated || (udp.answers?.length ?? 0) !== (tcp.answers?.length ?? 0)) {
      throw new Error(
        `muster's UDP answer to ${name} ${type} is not whole (TC ${truncated}, ${udp.answers?.length} answers, ${tcp.answers?.length} over TCP): the DNS figure would time truncated answers`,
      );
    }
  }
}

/** A zone file with exactly the records muster answers the query set with (over TCP: all). */
async function zoneFromMuster(port: number): Promise<string> {
  const lines = [`$ORIGIN ${ZONE}.`, `@ 5 IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 60 30 600 5`];
  const seen = new Set<string>();
  for (const [name, type] of QUERIES) {
    const answer = await askTcp(port, name, type);
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
function dnsperf(
  port: number,
  transport: Transport,
  queryFile: string,
  seconds: number,
): { qps: number; bytes: number } {
  const run = spawnSync(
    "dnsperf",
    [
      "-e",
      "-m",
      transport,
      "-s",
      "127.0.0.1",
      "-p",
      String(port),
      "-d",
      queryFile,
      "-l",
      String(seconds),
    ],
    { encoding: "utf8", timeout: (seconds + 30) * 1000 },
  );
  const out = run.stdout ?? "";
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1]);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1]);
  if (!Number.isFinite(qps) || !completed) throw new Error(`dnsperf: ${out}${run.stderr}`);
  // Every query answered, and with the codes of the set: a rate of errors is no rate.
  if (lost > completed / 1000) throw new Error(`dnsperf: ${lost} of ${completed} queries lost`);
  for (const [code, share] of Object.entries(SETS[transport].codes)) {
    const n = Number(new RegExp(`${code} (\\d+)`).exec(out)?.[1] ?? 0);
    if (Math.abs(n / completed - share) > 0.01) {
      throw new Error(`dnsperf: ${code} ${n} of ${completed}, not ${share * 100}%: ${out}`);
    }
  }
  return { qps, bytes: Number(/response (\d+)/.exec(out)?.[1]) };
}

function measure(
  label: string,
  pid: number,
  port: number,
  transport: Transport,
  file: string,
): DnsRun {
  dnsperf(port, transport, file, 2);
  const rounds: number[] = [];
  let queries = 0;
  let bytes = 0;
  const cpuBefore = treeCpuMicros(pid);
  for (let r = 0; r < ROUNDS; r++) {
    const run = dnsperf(port, transport, file, SECONDS);
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

export interface DnsFigure {
  /** Over UDP: a service's A set, one node, one NXDOMAIN. */
  muster: DnsRun;
  nsd: DnsRun;
  /** Over TCP: the service's 3-record SRV set. */
  tcp: { muster: DnsRun; nsd: DnsRun };
  nsdVersion: string;
}

/**
 * Plain DNS: muster (its answers cached until the service changes) against NSD serving a zone
 * of the same records, with dnsperf and the same query sets, over UDP and over TCP.
 */
export async function dnsFigure(
  client: HttpClient,
  url: string,
  muster: { pid: number; dnsPort: number },
): Promise<DnsFigure> {
  await seed(client, url, DNS_SERVICE, 3, plainBody);
  const dir = mkdtempSync(join(tmpdir(), "muster-bench-dns-"));
  try {
    const files = { udp: join(dir, "udp-queries"), tcp: join(dir, "tcp-queries") };
    for (const t of ["udp", "tcp"] as const) {
      writeFileSync(files[t], `${SETS[t].queries.map(([n, q]) => `${n} ${q}`).join("\n")}\n`);
    }
    const zone = await zoneFromMuster(muster.dnsPort);
    await checkWhole(muster.dnsPort);
    const ours = measure("muster DNS (udp)", muster.pid, muster.dnsPort, "udp", files.udp);
    const oursTcp = measure("muster DNS (tcp)", muster.pid, muster.dnsPort, "tcp", files.tcp);
    const nsd = await startNsd(ZONE, zone);
    try {
      const theirs = measure("NSD (udp)", nsd.pid, nsd.port, "udp", files.udp);
      const theirsTcp = measure("NSD (tcp)", nsd.pid, nsd.port, "tcp", files.tcp);
      return {
        muster: ours,
        nsd: theirs,
        tcp: { muster: oursTcp, nsd: theirsTcp },
        nsdVersion: nsdVersion(),
      };
    } finally {
      await nsd.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
