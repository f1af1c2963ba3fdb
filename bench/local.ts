/**
 * Local mode as an operator runs it (`muster serve`: a real HTTP server over SQLite in its
 * data folder) side by side with etcd on the same machine, with the same HTTP client
 * (bench/http-client.ts) and the same number of requests in flight; plus the goals
 * that are not rates.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalServer, startLocal, stopLocal } from "../test/support/local-server.js";
import {
  etcdKeepalive,
  etcdPut,
  etcdRange,
  etcdVersion,
  grantLease,
  type RunningEtcd,
  startEtcd,
} from "./etcd.js";
import { irohKey } from "./fixture.js";
import { HttpClient } from "./http-client.js";
import { expectOnly, median, throughput } from "./throughput.js";

const TOKEN = "bench-local-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
export const IN_FLIGHT = 32;
const POOL = 1000;
const ROUNDS = 3;

export interface LocalRow {
  what: string;
  muster: string;
  etcd: string;
  ratio: string;
  goal: string;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const rate = (n: number) => `${Math.round(n).toLocaleString("en")}/s`;

function instanceBody(i: number, seq: number) {
  return {
    id: `node-${i}`,
    address: `10.0.${i >> 8}.${i & 255}:7001`,
    direct_addresses: [`10.0.${i >> 8}.${i & 255}:7001`],
    // Both Blixard ids (one alone is refused): peers.json then lists all 1,000.
    cluster_node_id: i,
    iroh_node_id: irohKey(i),
    ttl: 3600,
    metadata: { seq: String(seq) },
  };
}

const client = new HttpClient(IN_FLIGHT);

const heartbeat = (url: string, service: string, body: unknown) =>
  client.post(`${url}/v1/services/${service}/heartbeats`, body, AUTH);

const list = (url: string, service: string, file: string) =>
  client.send("GET", `${url}/v1/services/${service}/${file}`, AUTH);

async function seed(url: string, service: string, count: number) {
  const { statuses } = await throughput(count, IN_FLIGHT, (i) =>
    heartbeat(url, service, instanceBody(i, 0)),
  );
  expectOnly(`seeding ${service}`, statuses, [201, 200]);
}

function rss(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb * 1024;
}

/** CPU time a process has used, all its threads, in µs (Linux: /proc/<pid>/stat, 10 ms ticks). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A figure: the median rate of its rounds, and the server's CPU per request over them. */
interface Figure {
  perSecond: number;
  cpuPerRequest: number;
}

async function rounds(
  label: string,
  server: { pid: number; requests: number },
  run: () => Promise<number>,
): Promise<Figure> {
  // One round unmeasured first: the rate of code the JIT has not optimised yet is no rate.
  await run();
  const results: number[] = [];
  const cpuBefore = cpuMicros(server.pid);
  for (let r = 0; r < ROUNDS; r++) results.push(await run());
  const cpuPerRequest = (cpuMicros(server.pid) - cpuBefore) / (ROUNDS * server.requests);
  progress(`${label}: ${results.map(rate).join(", ")}; ${Math.round(cpuPerRequest)} µs CPU each`);
  return { perSecond: median(results), cpuPerRequest };
}

async function musterRates(url: string, pid: number, requests: number) {
  await seed(url, "bench-hb", POOL);
  await seed(url, "bench-peers", 1000);
  let seq = 1;
  const heartbeats = await rounds("muster heartbeats", { pid, requests }, async () => {
    seq++;
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      heartbeat(url, "bench-hb", instanceBody(i % POOL, seq * requests + i)),
    );
    expectOnly("muster heartbeats", statuses, [200]);
    return perSecond;
  });
  const reads = Math.max(50, Math.round(requests / 10));
  const peers = await rounds("muster peers.json", { pid, requests: reads }, async () => {
    const { perSecond, statuses } = await throughput(reads, IN_FLIGHT, () =>
      list(url, "bench-peers", "peers.json"),
    );
    expectOnly("muster peers.json", statuses, [200]);
    return perSecond;
  });
  return { heartbeats, peers, reads };
}

async function etcdRates(etcd: RunningEtcd, requests: number, reads: number) {
  const leases = await Promise.all(Array.from({ length: POOL }, () => grantLease(etcd, 3600)));
  const value = (i: number) => JSON.stringify(instanceBody(i, 0));
  const { pid } = etcd;
  const puts = await rounds("etcd put under a lease", { pid, requests }, async () => {
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      etcdPut(etcd, `/hb/node-${i % POOL}`, value(i), leases[i % POOL]),
    );
    expectOnly("etcd put", statuses, [200]);
    return perSecond;
  });
  const keepalives = await rounds("etcd lease keepalive", { pid, requests }, async () => {
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      etcdKeepalive(etcd, leases[i % POOL] as string),
    );
    expectOnly("etcd keepalive", statuses, [200]);
    return perSecond;
  });
  await throughput(1000, IN_FLIGHT, (i) => etcdPut(etcd, `/peers/node-${i}`, value(i)));
  const range = await rounds("etcd range of 1,000 keys", { pid, requests: reads }, async () => {
    const { perSecond, statuses } = await throughput(reads, IN_FLIGHT, () =>
      etcdRange(etcd, "/peers/"),
    );
    expectOnly("etcd range", statuses, [200]);
    return perSecond;
  });
  return { puts, keepalives, range };
}

async function goals(start: (dir: string) => Promise<LocalServer>, dir: () => Promise<string>) {
  // 128 writes and 128 reads at once.
  let server = await start(await dir());
  await seed(server.url, "busy", 200);
  // A connection each, so that all 256 are in flight at once.
  const burst = new HttpClient(256);
  const all = await Promise.all([
    ...Array.from({ length: 128 }, (_, i) =>
      burst.post(`${server.url}/v1/services/busy/heartbeats`, instanceBody(1000 + i, 0), AUTH),
    ),
    ...Array.from({ length: 128 }, () =>
      burst.send("GET", `${server.url}/v1/services/busy/peers.json`, AUTH),
    ),
  ]).finally(() => burst.close());
  const fiveXX = all.filter((r) => r.status >= 500).length;
  // RSS over 20,000 list reads of a 200-instance service, after a warm-up.
  const paths = ["peers.json", "peers.txt", "srv", "instances"];
  const read = (i: number) => list(server.url, "busy", paths[i % 4] as string);
  // V8 sizes its heap over the first ~10,000 reads; the baseline is taken after that.
  await throughput(10_000, IN_FLIGHT, read);
  const pid = server.child.pid as number;
  const before = rss(pid);
  const listed = await throughput(20_000, IN_FLIGHT, read);
  expectOnly("list reads", listed.statuses, [200]);
  const growth = rss(pid) - before;
  await stopLocal(server);
  // kill -9 after acknowledged heartbeats.
  const data = await dir();
  server = await start(data);
  let acknowledged = 0;
  await throughput(1000, IN_FLIGHT, async (i) => {
    const res = await heartbeat(server.url, "durable", instanceBody(i, 0));
    if (res.status === 201) acknowledged++;
    return res;
  });
  await stopLocal(server, "SIGKILL");
  server = await start(data);
  const res = await list(server.url, "durable", "instances");
  const present = (JSON.parse(res.body.toString()) as { instances: unknown[] }).instances.length;
  await stopLocal(server);
  return { fiveXX, growth, listRate: listed.perSecond, acknowledged, present };
}

export async function benchLocal(requests: number): Promise<{ rows: LocalRow[]; notes: string[] }> {
  const dirs: string[] = [];
  const dir = async () => {
    const d = await mkdtemp(join(tmpdir(), "muster-bench-local-"));
    dirs.push(d);
    return d;
  };
  // One token drives the whole load: its rate limit (500/s by default) is switched off.
  const start = (d: string) =>
    startLocal({ MUSTER_DATA_DIR: d, MUSTER_TOKENS: TOKEN, MUSTER_RATE_LIMIT: "0" });
  const notes: string[] = [];
  const load = () => loadavg()[0]?.toFixed(1) ?? "?";
  const loadAtStart = load();
  try {
    progress(
      `muster serve: a warm-up round, then ${ROUNDS} rounds of ${requests} heartbeats and of peers.json reads`,
    );
    const server = await start(await dir());
    const m = await musterRates(server.url, server.child.pid as number, requests).finally(() =>
      stopLocal(server),
    );
    let e: Awaited<ReturnType<typeof etcdRates>> | undefined;
    const version = etcdVersion();
    if (version) {
      progress(`etcd ${version}: the same`);
      const etcd = await startEtcd(client);
      e = await etcdRates(etcd, requests, m.reads).finally(() => etcd.stop());
      notes.push(
        `etcd ${version} (single member, data on the same disk), through its HTTP/JSON gateway.`,
      );
    } else {
      notes.push("etcd is not on PATH (Debian: apt-get install etcd-server), so no side-by-side.");
    }
    progress("goals: 128 + 128 concurrent, RSS over 20,000 list reads, kill -9");
    notes.push(
      `load average (1 min) on this machine: ${loadAtStart} at the start of the rates, ${load()} at their end.`,
    );
    const g = await goals(start, dir);
    const best = e ? Math.max(e.puts.perSecond, e.keepalives.perSecond) : undefined;
    const x = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : "—");
    const us = (f: Figure) => `${Math.round(f.cpuPerRequest)} µs`;
    const rows: LocalRow[] = [
      {
        what: `heartbeat renewals (new metadata.seq), ${IN_FLIGHT} in flight`,
        muster: rate(m.heartbeats.perSecond),
        etcd: e
          ? `put under a lease ${rate(e.puts.perSecond)}, keepalive ${rate(e.keepalives.perSecond)}`
          : "—",
        ratio: x(m.heartbeats.perSecond, best),
        goal: "≥ 1.5× etcd's best",
      },
      {
        // What the rates leave out: the machine's two cores are shared by the client and the
        // server, and etcd spreads its work over both while muster runs on one thread.
        what: "server CPU per heartbeat, all threads (the same rounds)",
        muster: us(m.heartbeats),
        etcd: e ? `put ${us(e.puts)}, keepalive ${us(e.keepalives)}` : "—",
        ratio: e
          ? x(
              m.heartbeats.cpuPerRequest,
              Math.min(e.puts.cpuPerRequest, e.keepalives.cpuPerRequest),
            )
          : "—",
        goal: "—",
      },
      {
        what: `peers.json of 1,000 instances (signed), ${IN_FLIGHT} in flight`,
        muster: rate(m.peers.perSecond),
        etcd: e ? `range of 1,000 keys ${rate(e.range.perSecond)}` : "—",
        ratio: x(m.peers.perSecond, e?.range.perSecond),
        goal: "≥ 2× etcd",
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
    return { rows, notes };
  } finally {
    client.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

export function renderLocal(rows: LocalRow[]): string {
  const head: LocalRow = {
    what: "what (median of 3 rounds)",
    muster: "muster (SQLite)",
    etcd: "etcd",
    ratio: "muster ÷ etcd",
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
