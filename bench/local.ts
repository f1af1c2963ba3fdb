/**
 * Local mode as an operator runs it (`muster serve`: a real HTTP server over SQLite in its
 * data folder) side by side with etcd and NSD on the same machine, with the same clients and
 * the same load; plus the goals that are not rates. Every list answer is checked (status,
 * entry count, bytes) as it arrives: a figure of answers that are not what it says fails the run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalServer, startLocal, stopLocal } from "../test/support/local-server.js";
import { type DnsFigure, dnsFigure } from "./dns.js";
import { etcdVersion, startEtcd } from "./etcd.js";
import { HttpClient } from "./http-client.js";
import { ListCheck, peersJsonEntries } from "./list-checks.js";
import { blixardBody, NODES, plainBody } from "./local-bodies.js";
import { type EtcdRates, etcdRates } from "./local-etcd.js";
import { goals } from "./local-goals.js";
import {
  BLIXARD,
  IN_FLIGHT,
  list,
  type MusterRates,
  musterRates,
  PLAIN,
  seed,
  TOKEN,
} from "./local-muster.js";
import { ensureDnsTools } from "./nsd.js";
import { load, mb, rss } from "./proc.js";
import { type Figure, rate } from "./rounds.js";
import { RENEWALS_PER_SECOND, WAITERS, type WaitersFigure, waitersFigure } from "./waiters.js";

export interface LocalRow {
  what: string;
  muster: string;
  etcd: string;
  ratio: string;
  goal: string;
}

/** What the run measured, for the table and for cost/measured.json's local figures. */
export interface LocalResults {
  muster: MusterRates;
  etcd: EtcdRates | undefined;
  waiters: WaitersFigure;
  dns: DnsFigure | undefined;
  restRss: number;
  afterRss: number;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const x = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : "—");
const us = (f: Figure) => `${Math.round(f.cpuPerRequest)} µs`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const roundsOf = (f: Figure) => f.rounds.map((r) => Math.round(r).toLocaleString("en")).join(" / ");

function rows(r: LocalResults, g: Awaited<ReturnType<typeof goals>>): LocalRow[] {
  const { muster: m, etcd: e, waiters: w, dns } = r;
  const best = e ? Math.max(e.puts.perSecond, e.keepalives.perSecond) : undefined;
  const etcdWrites = e
    ? `put under a lease ${rate(e.puts.perSecond)}, keepalive ${rate(e.keepalives.perSecond)}`
    : "—";
  const range = e ? `range of 1,000 keys ${rate(e.range.perSecond)} (${kb(e.rangeBytes)})` : "—";
  return [
    {
      what: `heartbeats of Blixard nodes (own Iroh keys, new metadata.seq), ${IN_FLIGHT} in flight`,
      muster: rate(m.blixardBeats.perSecond),
      etcd: etcdWrites,
      ratio: x(m.blixardBeats.perSecond, best),
      goal: "≥ 1.2× etcd's best",
    },
    {
      what: `heartbeats of plain instances (no Iroh key), ${IN_FLIGHT} in flight`,
      muster: rate(m.plainBeats.perSecond),
      etcd: etcdWrites,
      ratio: x(m.plainBeats.perSecond, best),
      goal: "—",
    },
    {
      what: "server CPU per heartbeat, all threads (Blixard / plain)",
      muster: `${us(m.blixardBeats)} / ${us(m.plainBeats)}`,
      etcd: e ? `put ${us(e.puts)}, keepalive ${us(e.keepalives)}` : "—",
      ratio: e
        ? x(
            m.blixardBeats.cpuPerRequest,
            Math.min(e.puts.cpuPerRequest, e.keepalives.cpuPerRequest),
          )
        : "—",
      goal: "—",
    },
    {
      what: `peers.json of ${NODES.toLocaleString("en")} Blixard nodes (signed, ${kb(m.peersJsonBytes)}), ${IN_FLIGHT} in flight`,
      muster: rate(m.peersJson.perSecond),
      etcd: range,
      ratio: x(m.peersJson.perSecond, e?.range.perSecond),
      goal: "≥ 10× etcd",
    },
    {
      what: `peers.txt of ${NODES.toLocaleString("en")} plain instances (signed, ${kb(m.peersTxtBytes)}), ${IN_FLIGHT} in flight`,
      muster: rate(m.peersTxt.perSecond),
      etcd: range,
      ratio: x(m.peersTxt.perSecond, e?.range.perSecond),
      goal: "—",
    },
    {
      what: "server CPU per list read (peers.json / range)",
      muster: us(m.peersJson),
      etcd: e ? us(e.range) : "—",
      ratio: e ? x(m.peersJson.cpuPerRequest, e.range.cpuPerRequest) : "—",
      goal: "—",
    },
    {
      what: "DNS over UDP, queries/s (dnsperf with EDNS; A of 3, A, NXDOMAIN)",
      muster: dns ? rate(dns.muster.perSecond) : "—",
      etcd: dns ? `NSD ${dns.nsdVersion} ${rate(dns.nsd.perSecond)}` : "—",
      ratio: dns ? x(dns.muster.perSecond, dns.nsd.perSecond) : "—",
      goal: "≥ 0.25× NSD",
    },
    {
      what: "DNS over TCP, queries/s (dnsperf; SRV of 3, which muster truncates over UDP)",
      muster: dns ? rate(dns.tcp.muster.perSecond) : "—",
      etcd: dns ? `NSD ${rate(dns.tcp.nsd.perSecond)}` : "—",
      ratio: dns ? x(dns.tcp.muster.perSecond, dns.tcp.nsd.perSecond) : "—",
      goal: "—",
    },
    {
      what: `heartbeat latency, median (p99), ${WAITERS.toLocaleString("en")} waiting reads of a 300-line peers.txt, ${RENEWALS_PER_SECOND} renewals/s`,
      muster: `${w.renewalMedianMs.toFixed(1)} ms (${w.renewalP99Ms.toFixed(1)} ms)`,
      etcd: "—",
      ratio: "—",
      goal: "≤ 10 ms",
    },
    {
      what: "waiting reads answered by those renewals (file unchanged) / by one change",
      muster: `${w.wokenByRenewals} / ${w.answeredByChange.toLocaleString("en")}`,
      etcd: "—",
      ratio: "—",
      goal: `0 / ${WAITERS.toLocaleString("en")}`,
    },
    {
      what: `RSS at rest, ${NODES.toLocaleString("en")} nodes registered (etcd: 1,000 keys, 1,000 leases)`,
      muster: mb(r.restRss),
      etcd: e ? mb(e.restRss) : "—",
      ratio: e ? x(r.restRss, e.restRss) : "—",
      goal: "≤ 120 MB",
    },
    {
      what: "RSS after the rates (and, for muster, the waiting reads and DNS)",
      muster: mb(r.afterRss),
      etcd: e ? mb(e.afterRss) : "—",
      ratio: e ? x(r.afterRss, e.afterRss) : "—",
      goal: "≤ 250 MB",
    },
    {
      what: "5xx among 128 concurrent writes + 128 concurrent reads",
      muster: String(g.fiveXX),
      etcd: "—",
      ratio: "—",
      goal: "0",
    },
    {
      what: `RSS growth over 20,000 list reads after 10,000 (328 instances; ${rate(g.listRate)})`,
      muster: `${(g.growth / 1048576).toFixed(1)} MB`,
      etcd: "—",
      ratio: "—",
      goal: "< 60 MB",
    },
    {
      what: "acknowledged heartbeats present after kill -9 and restart",
      muster: `${g.present} of ${g.acknowledged}`,
      etcd: "—",
      ratio: "—",
      goal: "all",
    },
  ];
}

/** The muster half: rates, waiting reads and DNS on one server, with its memory at rest and after. */
async function musterSide(
  client: HttpClient,
  server: LocalServer,
  requests: number,
  listRequests: number,
  notes: string[],
) {
  const { url } = server;
  const pid = server.child.pid as number;
  await seed(client, url, BLIXARD, NODES, blixardBody);
  // At rest: the nodes registered and their list read once (checked), then nothing for 3 s.
  const check = new ListCheck(
    { what: "peers.json", entries: NODES, count: peersJsonEntries },
    true,
  );
  check.check(await list(client, url, BLIXARD, "peers.json"));
  await new Promise((r) => setTimeout(r, 3000));
  const restRss = rss(pid);
  await seed(client, url, PLAIN, NODES, plainBody);
  const muster = await musterRates(client, url, pid, requests, listRequests);
  progress(`${WAITERS} waiting reads and ${RENEWALS_PER_SECOND} renewals/s`);
  const waiters = await waitersFigure(url);
  const missing = ensureDnsTools();
  let dns: LocalResults["dns"];
  if (missing) notes.push(`No DNS figure: ${missing}.`);
  else {
    const dnsPort = Number(/dns listening on 127\.0\.0\.1:(\d+)/.exec(server.stderr())?.[1]);
    progress("DNS: muster against NSD, dnsperf");
    dns = await dnsFigure(client, url, { pid, dnsPort });
  }
  return { muster, waiters, dns, restRss, afterRss: rss(pid) };
}

export async function benchLocal(
  requests: number,
): Promise<{ rows: LocalRow[]; notes: string[]; results: LocalResults }> {
  const dirs: string[] = [];
  const dir = async () => {
    const d = await mkdtemp(join(tmpdir(), "muster-bench-local-"));
    dirs.push(d);
    return d;
  };
  // One token drives the whole load: its rate limit (500/s by default) is switched off.
  const start = (d: string, extra: Record<string, string> = {}) =>
    startLocal({ MUSTER_DATA_DIR: d, MUSTER_TOKENS: TOKEN, MUSTER_RATE_LIMIT: "0", ...extra });
  const client = new HttpClient(IN_FLIGHT);
  const notes: string[] = [];
  // Lists are cheaper than writes for muster and dearer for etcd: rounds long enough for both.
  const listRequests = Math.max(300, Math.round(requests / 2));
  const etcdListRequests = Math.max(50, Math.round(requests / 10));
  try {
    const loadAtStart = load();
    progress(
      `muster serve: a warm-up round, then 3 rounds of ${requests} heartbeats and ${listRequests} list reads`,
    );
    const server = await start(await dir(), {
      MUSTER_DNS_PORT: "0",
      MUSTER_PUBLIC_SERVICES: "bench-dns",
    });
    const side = await musterSide(client, server, requests, listRequests, notes).finally(() =>
      stopLocal(server),
    );
    let etcd: EtcdRates | undefined;
    const version = etcdVersion();
    if (version) {
      progress(`etcd ${version}: the same`);
      const running = await startEtcd(client);
      etcd = await etcdRates(running, requests, etcdListRequests).finally(() => running.stop());
      notes.push(
        `etcd ${version} (single member, data on the same disk), through its HTTP/JSON gateway.`,
      );
    } else {
      notes.push("etcd is not on PATH (Debian: apt-get install etcd-server), so no side-by-side.");
    }
    notes.push(
      `load average (1 min) on this machine: ${loadAtStart} at the start of the rates, ${load()} at their end.`,
    );
    const m = side.muster;
    notes.push(
      `Rounds (after the warm-up): muster heartbeats, Blixard ${roundsOf(m.blixardBeats)}, plain ${roundsOf(m.plainBeats)}; ` +
        `peers.json ${roundsOf(m.peersJson)}; peers.txt ${roundsOf(m.peersTxt)}` +
        (etcd
          ? `; etcd put ${roundsOf(etcd.puts)}, keepalive ${roundsOf(etcd.keepalives)}, range ${roundsOf(etcd.range)}`
          : "") +
        (side.dns
          ? `; DNS muster ${side.dns.muster.rounds.map((q) => Math.round(q)).join(" / ")}, NSD ${side.dns.nsd.rounds.map((q) => Math.round(q)).join(" / ")}`
          : "") +
        ".",
    );
    notes.push(
      `Every list answer was checked as it came: status 200, and ${NODES.toLocaleString("en")} entries, counted in the first body ` +
        `and every answer compared byte for byte with it (${m.checked.toLocaleString("en")} answers; etcd's ranges alike).`,
    );
    if (side.dns) {
      notes.push(
        `DNS: dnsperf 5 s rounds with EDNS, every query answered with its set's codes (UDP: two NOERROR and one NXDOMAIN in three, ` +
          `muster's UDP answers checked whole, not truncated; TCP: the SRV set, NOERROR), ` +
          `${side.dns.muster.responseBytes} B average UDP answer from muster, ${side.dns.nsd.responseBytes} B from NSD (a zone of muster's own answers, read over TCP); ` +
          `server CPU per query: muster ${side.dns.muster.cpuPerQuery.toFixed(1)} µs UDP, ${side.dns.tcp.muster.cpuPerQuery.toFixed(1)} µs TCP, ` +
          `NSD ${side.dns.nsd.cpuPerQuery.toFixed(1)} µs UDP, ${side.dns.tcp.nsd.cpuPerQuery.toFixed(1)} µs TCP.`,
      );
    }
    progress("goals: 128 + 128 concurrent, RSS over 20,000 list reads, kill -9");
    const g = await goals((d) => start(d), dir);
    const results: LocalResults = { ...side, etcd };
    return { rows: rows(results, g), notes, results };
  } finally {
    client.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

export function renderLocal(rows: LocalRow[]): string {
  const head: LocalRow = {
    what: "what (median of 3 rounds)",
    muster: "muster (SQLite)",
    etcd: "etcd / NSD",
    ratio: "muster ÷ them",
    goal: "goal",
  };
  const all = [head, ...rows];
  const keys = Object.keys(head) as (keyof LocalRow)[];
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: LocalRow) =>
    `| ${keys.map((k, i) => r[k].padEnd(width[i] as number)).join(" | ")} |`;
  return [line(head), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join(
    "\n",
  );
}
