import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import * as packet from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDnsServer, startDnsServer } from "../../local/dns-server.js";
import { instance } from "../support/instances.js";
import { hostileQueries } from "./hostile-queries.js";

const ZONE = "muster.internal";
const BIG = Array.from({ length: 300 }, (_, n) =>
  instance({ service: "big", id: `node-${n}`, address: `10.0.${n >> 8}.${n & 255}:7000` }),
);
const IDLE_MS = 1500;
const MAX_PER_CLIENT = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function frame(query: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(query.length);
  return Buffer.concat([prefix, query]);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    socket.once("close", () => resolve());
  });

/** One query over UDP; the reply, or undefined after `waitMs` of silence. */
function udpAsk(port: number, query: Buffer, waitMs = 500): Promise<Buffer | undefined> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, waitMs);
    socket.on("message", (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(query, port, "127.0.0.1");
  });
}

/** One query over a fresh TCP connection; the framed reply, or undefined if none comes. */
async function tcpAsk(port: number, query: Buffer): Promise<Buffer | undefined> {
  const socket = await open(port);
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 1000);
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        clearTimeout(timer);
        // The frame's length says exactly what follows: nothing more, nothing less.
        expect(buffer.length).toBe(2 + buffer.readUInt16BE(0));
        socket.destroy();
        resolve(buffer.subarray(2));
      }
    });
    socket.write(frame(query));
  });
}

describe("plain DNS against hostile clients (UDP and TCP, real sockets)", () => {
  let server: RunningDnsServer;
  beforeAll(async () => {
    server = await startDnsServer({
      host: "127.0.0.1",
      port: 0,
      source: { mayRead: () => true, list: async (s) => (s === "big" ? BIG : []) },
      zone: { zone: ZONE, ttl: 5, now: Date.now },
      tcp: { idleMs: IDLE_MS, maxPerClient: MAX_PER_CLIENT },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers the sweep's queries within three times their size over UDP, framed and bounded over TCP, and nothing to responses", async () => {
    for (const { name, query, unanswered } of hostileQueries(ZONE)) {
      // A UDP datagram carries at most 65,507 bytes.
      const udp = query.length <= 65_507 ? await udpAsk(server.port, query) : undefined;
      const tcp = await tcpAsk(server.port, query);
      if (unanswered) {
        expect(udp, name).toBeUndefined();
        expect(tcp, name).toBeUndefined();
        continue;
      }
      if (query.length <= 65_507) {
        expect(udp, name).toBeDefined();
        expect((udp as Buffer).length, name).toBeLessThanOrEqual(3 * query.length);
        expect(packet.decode(udp as Buffer).type).toBe("response");
      }
      expect(tcp, name).toBeDefined();
      const decoded = packet.decode(tcp as Buffer);
      const rcode = (decoded as { rcode?: string }).rcode;
      if (rcode !== "NOERROR")
        expect((tcp as Buffer).length, name).toBeLessThanOrEqual(3 * query.length);
    }
  });

  it("holds a bounded amount for a client that pipelines 3,000 queries and reads nothing, and closes it", async () => {
    const socket = await open(server.port);
    socket.pause();
    const query = packet.encode({
      type: "query",
      id: 1,
      questions: [{ name: `_big._tcp.${ZONE}`, type: "SRV" }],
    });
    // In batches of 50 (what a server cutting off deep pipelines would let through), 3,000 in all.
    const batch = Buffer.concat(Array.from({ length: 50 }, () => frame(query)));
    for (let i = 0; i < 60; i++) {
      socket.write(batch);
      await sleep(10);
    }
    // Sampled until the server lets go (the idle timeout: it takes no query and no answer).
    let most = 0;
    const start = Date.now();
    for (;;) {
      await sleep(50);
      const held = server.held();
      most = Math.max(most, held);
      if (held === 0 && most > 0) break;
      if (Date.now() - start > IDLE_MS + 15_000) throw new Error(`still holding ${held} bytes`);
    }
    // Goal: ≤ 5 MB for a client that does not read (before: 104.8 MB for the same burst).
    expect(most).toBeLessThan(5 * 1024 * 1024);
    // The client, reading at last, finds the connection closed.
    socket.resume();
    await closed(socket);
  });

  it("closes a connection that trickles a byte at a time, though bytes keep coming", async () => {
    const socket = await open(server.port);
    const start = Date.now();
    const query = frame(
      packet.encode({ type: "query", id: 2, questions: [{ name: `big.${ZONE}`, type: "A" }] }),
    );
    let i = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed)
        socket.write(query.subarray(i++ % query.length, (i % query.length) + 0 || 1));
    }, 200);
    try {
      await closed(socket);
      expect(Date.now() - start).toBeLessThan(IDLE_MS + 5_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it("refuses a connection past the per-client cap at once", async () => {
    const held = await Promise.all(Array.from({ length: MAX_PER_CLIENT }, () => open(server.port)));
    try {
      const extra = await open(server.port);
      const start = Date.now();
      await closed(extra);
      expect(Date.now() - start).toBeLessThan(1000);
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
