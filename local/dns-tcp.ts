import { createServer, type Server, type Socket } from "node:net";
import { isAnswerable } from "../shared/dns/raw-message.js";
import { MAX_STREAM_MESSAGE } from "../shared/dns/wire.js";
import { PerClientCap } from "./connection-guard.js";

/** What one DNS-over-TCP connection, and all of them, may take of the server. */
export interface DnsTcpLimits {
  /**
   * A connection that brings no whole query, and takes no answer, for this long is closed:
   * idle, trickling a byte at a time, or not reading what it asked for (RFC 7766 §6.2.3
   * suggests seconds).
   */
  idleMs: number;
  /** Queries one connection may have being answered at once; more wait unread. */
  maxInFlight: number;
  /** Answers waiting for the client to read them; past this, its queries wait unread. */
  maxBuffered: number;
  /** Open connections in all. */
  maxConnections: number;
  /** Open connections from one client address (IPv6: one /64). */
  maxPerClient: number;
}

export const DNS_TCP_LIMITS: DnsTcpLimits = {
  idleMs: 10_000,
  maxInFlight: 16,
  maxBuffered: 128 * 1024,
  maxConnections: 512,
  maxPerClient: 64,
};

/** Answers one query; undefined: send nothing. */
export type Answerer = (query: Buffer) => Promise<Buffer | undefined>;

/**
 * One connection: length-prefixed queries in, answers out in the order asked (RFC 7766).
 * Bounded by backpressure rather than refusal: while `maxInFlight` queries are being answered
 * or `maxBuffered` bytes of answers wait for the client, the socket is paused, so the kernel's
 * buffers fill and the client's writes block. What the server holds for a connection is then at
 * most one read's worth of unparsed queries, `maxBuffered`, and `maxInFlight` answers of at most
 * 64 KiB each: about 1.2 MB with the defaults, however much the client sends.
 */
function serveConnection(socket: Socket, answer: Answerer, limits: DnsTcpLimits): () => number {
  let pending: Buffer = Buffer.alloc(0);
  let inFlight = 0;
  // Answers go out in the order asked: each waits for the one before.
  let queue: Promise<unknown> = Promise.resolve();
  const idle = setTimeout(() => socket.destroy(), limits.idleMs);
  idle.unref();
  const full = () => inFlight >= limits.maxInFlight || socket.writableLength >= limits.maxBuffered;

  const pump = () => {
    while (!socket.destroyed && !full() && pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const query = Buffer.from(pending.subarray(2, 2 + length));
      pending = pending.subarray(2 + length);
      // Only a query worth answering counts as activity: empty frames do not keep it open.
      if (isAnswerable(query)) idle.refresh();
      inFlight++;
      queue = queue.then(async () => {
        const message = await answer(query).catch(() => undefined);
        inFlight--;
        if (socket.destroyed) return;
        if (message && message.length <= MAX_STREAM_MESSAGE) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(message.length);
          socket.write(Buffer.concat([prefix, message]));
          idle.refresh();
        }
        pump();
      });
    }
    if (socket.destroyed) return;
    if (full()) socket.pause();
    else socket.resume();
  };

  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    pump();
  });
  socket.on("drain", pump);
  socket.on("error", () => socket.destroy());
  socket.once("close", () => {
    clearTimeout(idle);
    pending = Buffer.alloc(0);
  });
  return () => pending.length + socket.readableLength + socket.writableLength;
}

export interface DnsTcpServer {
  server: Server;
  /** Bytes held for all connections: unparsed queries and answers the clients have not read. */
  held(): number;
  close(): Promise<void>;
}

export function listenDnsTcp(
  host: string,
  port: number,
  answer: Answerer,
  limits: DnsTcpLimits,
): Promise<DnsTcpServer> {
  /** Each open connection, with what it holds. */
  const open = new Map<Socket, () => number>();
  const cap = new PerClientCap(limits.maxPerClient);
  const server = createServer((socket) => {
    if (!cap.admit(socket)) return;
    open.set(socket, serveConnection(socket, answer, limits));
    socket.once("close", () => open.delete(socket));
  });
  // Node closes a connection past this as it arrives.
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        server,
        held: () => {
          let bytes = 0;
          for (const held of open.values()) bytes += held();
          return bytes;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Open connections are closed with the server rather than waited out.
            for (const socket of open.keys()) socket.destroy();
          }),
      });
    });
  });
}
