import { Agent, request } from "node:http";
import { HttpClient } from "./http-client.js";
import { plainBody } from "./local-bodies.js";
import { AUTH, heartbeat, list, seed } from "./local-muster.js";
import { summarize } from "./stats.js";

const SERVICE = "bench-herd";
const INSTANCES = 300;
export const WAITERS = 2000;
export const RENEWALS_PER_SECOND = 7;
const RENEWALS = 70;
/** Loopback addresses the waiting reads come from, as many nodes' would. */
const SOURCES = 16;

interface Waiting {
  status: number;
  etag: string | undefined;
}

/** One held read of peers.txt over a connection of its own, from `agent`'s address. */
function waitFor(url: string, agent: Agent, etag: string): Promise<Waiting> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: `/v1/services/${SERVICE}/peers.txt?wait=300`,
        headers: { ...AUTH, "If-None-Match": etag },
        agent,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

export interface WaitersFigure {
  renewalMedianMs: number;
  renewalP99Ms: number;
  /** Waiting reads answered by the renewals (that left the file unchanged): should be 0. */
  wokenByRenewals: number;
  /** Answered 200 with the new ETag by the one change that followed. */
  answeredByChange: number;
}

/**
 * Issue 22, item 3: 2,000 reads waiting (`?wait=300`, If-None-Match) on a 300-instance
 * peers.txt, and renewals at 7 a second (a 300-node service at the default interval) that
 * leave the file unchanged: their latency, and that no waiting read is answered by them; then
 * one change, which must answer all 2,000.
 */
export async function waitersFigure(url: string): Promise<WaitersFigure> {
  const client = new HttpClient(4);
  const agents = Array.from(
    { length: SOURCES },
    (_, i) =>
      new Agent({ keepAlive: true, maxSockets: WAITERS, localAddress: `127.0.0.${10 + i}` }),
  );
  try {
    await seed(client, url, SERVICE, INSTANCES, plainBody);
    const first = await list(client, url, SERVICE, "peers.txt");
    const tag = first.headers.etag;
    if (first.status !== 200 || tag === undefined) throw new Error(`peers.txt: ${first.status}`);
    let answered = 0;
    const waiting = Array.from({ length: WAITERS }, (_, i) =>
      waitFor(url, agents[i % SOURCES] as Agent, tag).then((w) => {
        answered++;
        return w;
      }),
    );
    // Every read sent and parked (the server parks a read as soon as it has its headers).
    await new Promise((r) => setTimeout(r, 2000));
    const latencies: number[] = [];
    for (let k = 1; k <= RENEWALS; k++) {
      const due = performance.now() + 1000 / RENEWALS_PER_SECOND;
      const started = performance.now();
      const res = await heartbeat(client, url, SERVICE, plainBody(k % INSTANCES, k));
      latencies.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`renewal ${k}: ${res.status} ${res.body}`);
      const left = due - performance.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
    const wokenByRenewals = answered;
    const change = await heartbeat(client, url, SERVICE, plainBody(INSTANCES, 0));
    if (change.status !== 201) throw new Error(`the change: ${change.status} ${change.body}`);
    const results = await Promise.all(waiting);
    const answeredByChange = results.filter((w) => w.status === 200 && w.etag !== tag).length;
    if (answeredByChange !== WAITERS) {
      throw new Error(`the change answered ${answeredByChange} of ${WAITERS} waiting reads`);
    }
    const summary = summarize(latencies);
    return {
      renewalMedianMs: summary.median,
      renewalP99Ms: summary.p99,
      wokenByRenewals,
      answeredByChange,
    };
  } finally {
    client.close();
    for (const agent of agents) agent.destroy();
  }
}
