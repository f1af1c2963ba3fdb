import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:http2";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohHexId, irohNodeId } from "../support/iroh-keys.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { run } from "../support/tls.js";

const TOKEN = "h2c-test-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** curl with bounded waits; the body, then the HTTP version and status on the last line. */
async function curl(args: string[]): Promise<{ body: string; version: string; status: number }> {
  const { stdout } = await run(
    "curl",
    ["-s", "--max-time", "10", "-w", "\n%{http_version} %{http_code}", ...args],
    { timeout: 20_000 },
  );
  const cut = stdout.lastIndexOf("\n");
  const [version, status] = stdout.slice(cut + 1).split(" ");
  return { body: stdout.slice(0, cut), version: version as string, status: Number(status) };
}

describe("plain-http local mode speaks HTTP/1.1 and h2c (prior knowledge) on one port", () => {
  let dir: string;
  let server: LocalServer;
  let joinUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-h2c-"));
    server = await startLocal({ MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN });
    expect(server.url).toMatch(/^http:\/\//);
    const beat = await fetch(`${server.url}/v1/services/blixard/heartbeats`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "node-1",
        address: "192.168.1.10:7001",
        cluster_node_id: 1,
        iroh_node_id: irohNodeId(1),
        direct_addresses: ["192.168.1.10:7001"],
        ttl: 3600,
      }),
    });
    expect(beat.status).toBe(201);
    // A join URL as an operator mints it: the data folder's presign key signs it.
    const minted = await fetch(`${server.url}/v1/admin/presign`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ service: "blixard", file: "bootstrap", ttl: 3600 }),
    });
    expect(minted.status).toBe(201);
    joinUrl = ((await minted.json()) as { url: string }).url;
    expect(joinUrl.startsWith(`${server.url}/v1/services/blixard/join/`)).toBe(true);
  }, 60_000);

  afterAll(async () => {
    if (server) await stopLocal(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers a joining node's bootstrap over h2c with prior knowledge, with no Authorization header (Blixard's reqwest client)", async () => {
    const res = await curl(["--http2-prior-knowledge", `${joinUrl}/bootstrap`]);
    expect(res.version).toBe("2");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      node_id: 1,
      p2p_node_id: irohHexId(1),
      p2p_addresses: ["192.168.1.10:7001"],
    });
  });

  it("answers the same over HTTP/1.1 on the same port", async () => {
    const h2 = await curl(["--http2-prior-knowledge", `${joinUrl}/bootstrap`]);
    const h1 = await curl(["--http1.1", `${joinUrl}/bootstrap`]);
    expect(h1.version).toBe("1.1");
    expect(h1.status).toBe(200);
    expect(JSON.parse(h1.body)).toEqual(JSON.parse(h2.body));
  });

  it("takes writes over h2c, and several requests on one HTTP/2 connection", async () => {
    const body = JSON.stringify({ id: "node-9", address: "10.0.0.9:7001", ttl: 60 });
    const write = await curl([
      "--http2-prior-knowledge",
      "-X",
      "POST",
      "-H",
      `Authorization: Bearer ${TOKEN}`,
      "-H",
      "Content-Type: application/json",
      "-d",
      body,
      `${server.url}/v1/services/other/heartbeats`,
    ]);
    expect(write.version).toBe("2");
    expect(write.status).toBe(201);
    // Refusals keep their shape over HTTP/2: no token, no write.
    const refused = await curl([
      "--http2-prior-knowledge",
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "-d",
      body,
      `${server.url}/v1/services/other/heartbeats`,
    ]);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe("unauthorized");
    // Several streams on one connection (node's HTTP/2 client; curl 7.88 mishandles a reused
    // prior-knowledge connection even against a bare node:http2 server).
    const session = connect(server.url);
    session.on("error", () => {});
    try {
      const get = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = session.request({ ":path": path });
          let text = "";
          let status = 0;
          req.setEncoding("utf8");
          req.on("response", (h) => {
            status = Number(h[":status"]);
          });
          req.on("data", (d: string) => {
            text += d;
          });
          req.on("end", () => resolve({ status, body: text }));
          req.on("error", reject);
          req.end();
        });
      const path = new URL(joinUrl).pathname;
      const answers = await Promise.all([get("/health"), get(path), get(`${path}/bootstrap`)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(JSON.parse(answers[2]?.body ?? "").node_id).toBe(1);
    } finally {
      session.close();
    }
  });
});

describe("shutdown with HTTP/2 sessions open", () => {
  it("stops on SIGTERM with an idle h2c session and a silent connection open, releasing the lock", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-h2c-stop-"));
    try {
      const server = await startLocal({ MUSTER_DATA_DIR: dir, MUSTER_TOKENS: TOKEN });
      const session = connect(server.url);
      const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
      session.on("error", () => {});
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": "/health" });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
        req.end();
      });
      expect(status).toBe(200);
      // The session stays open (idle) while the server is told to stop, and so does a TCP
      // connection that has not sent a byte (so neither server has it yet).
      expect(session.closed).toBe(false);
      const silent = connectTcp(Number(new URL(server.url).port), "127.0.0.1");
      const silentClosed = new Promise<void>((resolve) => silent.once("close", () => resolve()));
      silent.on("error", () => {});
      await new Promise<void>((resolve) => silent.once("connect", () => resolve()));
      expect(await stopLocal(server)).toBe(0);
      await closed;
      await silentClosed;
      expect(existsSync(join(dir, "lock"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
