import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as packet from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileQueries } from "../dns/hostile-queries.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";

const TOKEN = "sweep-test-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const ODD_SEGMENTS = [
  "%E0%A4",
  "%FF",
  "a%",
  "%00",
  "%2F",
  "%2e%2e",
  "__proto__",
  "constructor",
  "x".repeat(5000),
  "%F0%9F%98%80",
  "..",
];
const PATHS = [
  "/v1/services/{s}/instances",
  "/v1/services/{s}/peers.txt",
  "/v1/services/{s}/peers.json",
  "/v1/services/{s}/srv",
  "/v1/services/{s}/bootstrap",
  "/v1/services/{s}/instances/{s}",
  "/v1/services/{s}/instances/{s}/registry.json",
  "/v1/services/{s}/join/{s}",
  "/v1/services/{s}/join/1.k1.{s}/bootstrap",
  "/v1/http_sd?service={s}",
  "/v1/services/web/instances?tag={s}&status={s}",
  "/v1/services/web/peers.txt?wait={s}",
  "/v1/services/web/instances?cursor={s}&limit={s}",
  "/dns-query?dns={s}",
  "/v1/admin/tokens/{s}",
];

function rssBytes(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb * 1024;
}

/** A raw HTTP/1.1 request, the path sent exactly as given (fetch would normalise it). */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers: { ...headers, Connection: "close" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the sweep's inputs against a real muster serve: no 500, bounded DNS", () => {
  let dir: string;
  let server: LocalServer;
  let port: number;
  let dnsPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-sweep-"));
    server = await startLocal({
      MUSTER_DATA_DIR: dir,
      MUSTER_TOKENS: TOKEN,
      MUSTER_PUBLIC_SERVICES: "web,big",
      MUSTER_RATE_LIMIT: "0",
      MUSTER_DNS_PORT: "0",
    });
    port = Number(new URL(server.url).port);
    dnsPort = Number(/dns listening on 127\.0\.0\.1:(\d+)/.exec(server.stderr())?.[1]);
    expect(dnsPort).toBeGreaterThan(0);
    const items = Array.from({ length: 100 }, (_, n) => ({
      service: "big",
      id: `node-${n}`,
      address: `10.0.${n >> 8}.${n & 255}:7000`,
      ttl: 3600,
    }));
    for (let i = 0; i < 300; i += 100) {
      const res = await fetch(`${server.url}/v1/heartbeats`, {
        method: "POST",
        headers: { ...AUTH, "Content-Type": "application/json" },
        body: JSON.stringify({
          heartbeats: items.map((it, n) => ({ ...it, id: `node-${i + n}` })),
        }),
      });
      expect(res.status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    if (server) expect(await stopLocal(server)).toBe(0);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers every odd path and parameter, with and without a token, below 500", async () => {
    const seen: string[] = [];
    for (const template of PATHS) {
      for (const segment of ODD_SEGMENTS) {
        const path = template.replaceAll("{s}", segment);
        for (const headers of [{}, AUTH]) {
          for (const method of ["GET", "DELETE"]) {
            const res = await raw(port, method, path, headers);
            if (res.status >= 500) seen.push(`${method} ${path.slice(0, 80)} -> ${res.status}`);
          }
        }
      }
    }
    expect(seen).toEqual([]);
  }, 120_000);

  it("answers the sweep's bodies below 500, naming the field", async () => {
    const post = (path: string, body: string) =>
      raw(port, "POST", path, { ...AUTH, "Content-Type": "application/json" }, body);
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const cases: [string, string, string | undefined][] = [
      [
        "/v1/heartbeats",
        `{"heartbeats":[{"service":"web","id":"a","address":"10.0.0.1:80","tags":${deep}}]}`,
        "heartbeats.0.tags.0.0.0.…",
      ],
      [
        "/v1/services/web/heartbeats",
        `{"id":"a","address":"10.0.0.1:80","metadata":${'{"a":'.repeat(40)}"x"${"}".repeat(40)}}`,
        "metadata.a.a.a.a.a.…",
      ],
      ["/v1/services/web/heartbeats", '{"id":"a","address":"10.0.0.9:080"}', "address"],
      [
        "/v1/services/web/heartbeats",
        '{"id":"a","address":"10.0.0.1:80","__proto__":{}}',
        "__proto__",
      ],
      [
        "/v1/services/web/heartbeats",
        '{"id":"a","address":"10.0.0.1:80","metadata":{"__proto__":"x"}}',
        "metadata.__proto__",
      ],
      ["/v1/admin/tokens", '{"name":"x","role":"read","services":["%E0%A4"]}', "services.0"],
      ["/v1/admin/presign", '{"service":"%E0%A4","file":"bootstrap","ttl":60}', undefined],
      ["/v1/services/web/heartbeats", "\u0000", undefined],
      ["/v1/services/web/heartbeats", '"just a string"', undefined],
    ];
    for (const [path, body, field] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${body.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path} ${body.slice(0, 60)}`).toBeLessThan(500);
      if (field) {
        expect(JSON.parse(res.body).error.issues.map((i: { path: string }) => i.path)).toContain(
          field,
        );
      }
    }
    const join = await raw(port, "GET", `/v1/services/%E0%A4/join/1.k1.${"A".repeat(43)}`);
    expect(join.status).toBe(400);
    expect(JSON.parse(join.body).error.issues).toEqual([
      { path: "service", message: "is not valid percent-encoding (UTF-8)" },
    ]);
  }, 60_000);

  it("keeps DNS replies within three times the query over UDP and within the frame over TCP", async () => {
    const { createSocket } = await import("node:dgram");
    for (const { name, query, unanswered } of hostileQueries("muster.internal")) {
      if (query.length > 65_507) continue;
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const socket = createSocket("udp4");
        const timer = setTimeout(() => {
          socket.close();
          resolve(undefined);
        }, 500);
        socket.on("message", (m) => {
          clearTimeout(timer);
          socket.close();
          resolve(m);
        });
        socket.send(query, dnsPort, "127.0.0.1");
      });
      if (unanswered) {
        expect(reply, name).toBeUndefined();
        continue;
      }
      expect(reply, name).toBeDefined();
      expect((reply as Buffer).length, name).toBeLessThanOrEqual(3 * query.length);
      expect(packet.decode(reply as Buffer).type, name).toBe("response");
    }
  }, 60_000);

  it("grows by far less than before for a DNS client that pipelines 3,000 queries and reads nothing", async () => {
    const pid = server.child.pid as number;
    const query = packet.encode({
      type: "query",
      id: 1,
      questions: [{ name: "_big._tcp.muster.internal", type: "SRV" }],
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    const frame = Buffer.concat([prefix, query]);
    // Warm: the first answers of the service fill the caches a steady server has anyway.
    const warm = connect(dnsPort, "127.0.0.1");
    warm.on("error", () => {});
    warm.write(Buffer.concat(Array.from({ length: 50 }, () => frame)));
    await new Promise((r) => setTimeout(r, 1000));
    warm.destroy();
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(pid);
    const socket = connect(dnsPort, "127.0.0.1");
    socket.on("error", () => {});
    socket.pause();
    const batch = Buffer.concat(Array.from({ length: 50 }, () => frame));
    let most = before;
    for (let i = 0; i < 60; i++) {
      socket.write(batch);
      await new Promise((r) => setTimeout(r, 20));
      most = Math.max(most, rssBytes(pid));
    }
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      most = Math.max(most, rssBytes(pid));
    }
    socket.destroy();
    // The same burst made 104.8 MB before. What the server holds for the connection is 0.5 MB
    // (counted exactly in tcp-abuse.integration.test.ts, goal ≤ 5 MB); RSS also takes in the
    // garbage of the answers written into the kernel's socket buffers before the pause (4-5 MB
    // measured), which a loaded machine collects later: the margin is for that.
    expect(most - before).toBeLessThan(16 * 1024 * 1024);
  }, 60_000);

  it("counted no 500 and logged no unhandled error over the whole sweep", async () => {
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: AUTH })).text();
    expect(metrics).not.toMatch(/^muster_refusals_total\{[^}]*status="5\d\d"/m);
    expect(server.stderr()).not.toMatch(/unhandled error|internal error/);
  });
});
