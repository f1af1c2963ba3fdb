/**
 * Consul's API in local mode (`muster serve`, a real HTTP server over SQLite): how soon a
 * blocking health query answers after a change, and what 1,000 blocked watchers cost the
 * server's memory — the goals (≤ 100 ms; ≤ 50 MB).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocal, stopLocal } from "../test/support/local-server.js";
import { summarize } from "./stats.js";

const TOKEN = "bench-consul-token-0123456789abcdef";
export const WAKE_GOAL_MS = 100;
export const WATCHERS = 1000;
export const WATCHERS_RSS_GOAL_BYTES = 50 * 1024 * 1024;

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

function rss(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb * 1024;
}

/** One request on its own connection (`agent`), as a watcher holds it: status, index, body. */
function call(
  agent: Agent,
  url: string,
  method: "GET" | "PUT",
  body?: unknown,
): Promise<{ status: number; index: number; body: string }> {
  const { hostname, port, pathname, search } = new URL(url);
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: pathname + search,
        method,
        agent,
        headers: {
          "X-Consul-Token": TOKEN,
          ...(text === undefined
            ? {}
            : {
                "Content-Type": "application/json",
                "Content-Length": String(Buffer.byteLength(text)),
              }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            index: Number(res.headers["x-consul-index"] ?? 0),
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ConsulLocalResult {
  /** From the update's request to the blocked answer, the write (and its fsync) included. */
  wake: { median: number; p99: number; samples: number };
  /** From the update's acknowledgement to the blocked answer (0 when the answer came first). */
  afterAck: { median: number; p99: number };
  watchers: { rssBytes: number; allWoke: boolean; wokeInMs: number };
}

export async function benchConsulLocal(samples = 40): Promise<ConsulLocalResult> {
  const dir = await mkdtemp(join(tmpdir(), "muster-bench-consul-"));
  const server = await startLocal({ MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN });
  const pid = server.child.pid as number;
  const base = server.url;
  const writer = new Agent({ keepAlive: true, maxSockets: 4 });
  const watchers = new Agent({ keepAlive: true, maxSockets: WATCHERS + 10 });
  try {
    const registered = await call(writer, `${base}/v1/agent/service/register`, "PUT", {
      Name: "web",
      ID: "web-1",
      Address: "10.0.0.5",
      Port: 8080,
      Check: { TTL: "1h", Status: "passing" },
    });
    if (registered.status !== 200)
      throw new Error(`register: ${registered.status} ${registered.body}`);
    const flip = (i: number) =>
      call(
        writer,
        `${base}/v1/agent/check/${i % 2 === 0 ? "warn" : "pass"}/service:web-1?note=${i}`,
        "PUT",
      );

    progress(`consul: ${samples} blocking health queries woken by a check update`);
    const wakes: number[] = [];
    const afterAck: number[] = [];
    for (let i = 0; i < samples + 5; i++) {
      const { index } = await call(watchers, `${base}/v1/health/service/web`, "GET");
      const pending = call(
        watchers,
        `${base}/v1/health/service/web?index=${index}&wait=60s`,
        "GET",
      );
      await sleep(30);
      const started = performance.now();
      let acknowledged = 0;
      const update = flip(i).then(() => {
        acknowledged = performance.now();
      });
      const woke = await pending;
      const answered = performance.now();
      await update;
      if (woke.index <= index)
        throw new Error(`a blocked query answered index ${woke.index} after ${index}`);
      // The first few warm the JIT up.
      if (i >= 5) {
        wakes.push(answered - started);
        afterAck.push(Math.max(0, answered - acknowledged));
      }
    }

    progress(`consul: ${WATCHERS} blocked watchers, the server's RSS before and after`);
    const { index } = await call(watchers, `${base}/v1/health/service/web`, "GET");
    await sleep(500);
    const before = rss(pid);
    const blocked = Array.from({ length: WATCHERS }, () =>
      call(watchers, `${base}/v1/health/service/web?index=${index}&wait=5m`, "GET"),
    );
    // Every request sent and parked: the sockets are open and the server has read them.
    await sleep(3000);
    const rssBytes = rss(pid) - before;
    const started = performance.now();
    await flip(samples + 5);
    const answers = await Promise.all(blocked);
    const wokeInMs = performance.now() - started;
    const allWoke = answers.every((a) => a.status === 200 && a.index > index);
    return {
      wake: (({ median, p99, n }) => ({ median, p99, samples: n }))(summarize(wakes)),
      afterAck: (({ median, p99 }) => ({ median, p99 }))(summarize(afterAck)),
      watchers: { rssBytes, allWoke, wokeInMs },
    };
  } finally {
    writer.destroy();
    watchers.destroy();
    await stopLocal(server);
    await rm(dir, { recursive: true, force: true });
  }
}
