import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../scripts/engines/child-engine.js";
import type { Answer, HttpClient } from "./http-client.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");

export interface RunningEtcd {
  url: string;
  version: string;
  /** The etcd process, for its CPU time. */
  pid: number;
  /** `same`: the bytes the answer is expected to be (HttpClient.send). */
  post(path: string, body: unknown, same?: Buffer): Promise<Answer>;
  stop(): Promise<void>;
}

/** Whether `etcd` is on PATH (Debian: etcd-server). */
export function etcdVersion(): string | undefined {
  try {
    const out = execFileSync("etcd", ["--version"], { encoding: "utf8" });
    return /etcd Version: (\S+)/.exec(out)?.[1] ?? out.split("\n")[0];
  } catch {
    return undefined;
  }
}

/**
 * A single-member etcd on 127.0.0.1 with its data in a temporary folder: etcd's default
 * durability (an fsync'd WAL per write batch), talked to through its HTTP/JSON gateway with
 * `client`.
 */
export async function startEtcd(client: HttpClient): Promise<RunningEtcd> {
  const dir = mkdtempSync(join(tmpdir(), "muster-bench-etcd-"));
  const [port, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "etcd",
    [
      "--data-dir",
      join(dir, "data"),
      "--listen-client-urls",
      url,
      "--advertise-client-urls",
      url,
      "--listen-peer-urls",
      `http://127.0.0.1:${peer}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${peer}`,
      "--initial-cluster",
      `default=http://127.0.0.1:${peer}`,
      "--log-level",
      "error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const post = (path: string, body: unknown, same?: Buffer) =>
    client.post(`${url}${path}`, body, {}, same);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await post("/v3/kv/range", { key: b64("probe") });
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`etcd did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid as number,
    version: etcdVersion() ?? "unknown",
    post,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A lease of `ttl` seconds; its id as the gateway spells it (a decimal string). */
export async function grantLease(etcd: RunningEtcd, ttl: number): Promise<string> {
  const res = await etcd.post("/v3/lease/grant", { TTL: ttl });
  const body = JSON.parse(res.body.toString()) as { ID?: string };
  if (!body.ID) throw new Error(`lease grant: ${JSON.stringify(body)}`);
  return body.ID;
}

export const etcdPut = (etcd: RunningEtcd, key: string, value: string, lease?: string) =>
  etcd.post("/v3/kv/put", { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) });

export const etcdKeepalive = (etcd: RunningEtcd, lease: string) =>
  etcd.post("/v3/lease/keepalive", { ID: lease });

/** Every key under `prefix`: the etcd way to list a service's instances. */
export const etcdRange = (etcd: RunningEtcd, prefix: string, same?: Buffer) =>
  etcd.post(
    "/v3/kv/range",
    {
      key: b64(prefix),
      range_end: b64(
        prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
      ),
    },
    same,
  );
