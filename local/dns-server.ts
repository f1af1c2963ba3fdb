import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv6, type Server, type Socket } from "node:net";
import type { DnsSource, ZoneOptions } from "../shared/dns/answer.js";
import { CachedResponder } from "../shared/dns/cached-respond.js";
import {
  DnsFormatError,
  formatError,
  MAX_STREAM_MESSAGE,
  serverFailure,
} from "../shared/dns/wire.js";
import type { AnswerCache } from "../shared/http/answer-cache.js";

export interface DnsServerOptions {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
  source: DnsSource;
  zone: ZoneOptions;
  /** Answers kept until their service changes, shared with the HTTP reads; default: none. */
  answers?: AnswerCache | undefined;
  warn?: (message: string, detail?: Record<string, unknown>) => void;
}

export interface RunningDnsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** A TCP client that sends nothing for this long is dropped (RFC 7766 §6.2.3 suggests seconds). */
const TCP_IDLE_MS = 10_000;
/** Queries one TCP connection may have waiting for their answers. */
const MAX_PIPELINED = 64;

type Reply = Buffer | undefined;
type Responding = DnsServerOptions & { responder: CachedResponder };

function failed(err: unknown, query: Buffer, options: DnsServerOptions): Reply {
  if (err instanceof DnsFormatError) return formatError(query);
  options.warn?.("dns: cannot answer", { reason: String(err) });
  return serverFailure(query);
}

/** The reply to one query: at once when the answer is kept (answer cache), else later. */
function answer(
  query: Buffer,
  options: Responding,
  transport: "udp" | "stream",
): Reply | Promise<Reply> {
  try {
    const r = options.responder.respond(query, options.source, options.zone, transport);
    if (!(r instanceof Promise)) return r.message;
    return r.then(
      (a) => a.message,
      (err) => failed(err, query, options),
    );
  } catch (err) {
    return failed(err, query, options);
  }
}

function serveTcp(socket: Socket, options: Responding): void {
  let pending = Buffer.alloc(0);
  // Answers go out in the order asked: each waits for the one before.
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const query = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      // A client that pipelines faster than the store answers is cut off, not queued forever.
      if (++waiting > MAX_PIPELINED) {
        socket.destroy();
        return;
      }
      queue = queue.then(async () => {
        const message = await answer(Buffer.from(query), options, "stream");
        waiting--;
        if (!message || socket.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(Math.min(message.length, MAX_STREAM_MESSAGE));
        socket.write(Buffer.concat([prefix, message]));
      });
    }
  });
}

function listenUdp(options: Responding, port: number): Promise<UdpSocket> {
  const udp = createSocket(isIPv6(options.host) ? "udp6" : "udp4");
  udp.on("message", (query, remote) => {
    const send = (message: Reply) => {
      if (message) udp.send(message, remote.port, remote.address);
    };
    const reply = answer(query, options, "udp");
    if (reply instanceof Promise) void reply.then(send);
    else send(reply);
  });
  return new Promise((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, options.host, () => {
      udp.off("error", reject);
      udp.on("error", (err) => options.warn?.("dns: udp error", { reason: String(err) }));
      resolve(udp);
    });
  });
}

interface TcpListener {
  server: Server;
  /** Open connections, closed with the server rather than waited out. */
  open: Set<Socket>;
}

function listenTcp(options: Responding, port: number): Promise<TcpListener> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    serveTcp(socket, options);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, options.host, () => {
      server.off("error", reject);
      resolve({ server, open });
    });
  });
}

/**
 * Plain DNS on UDP and TCP, one port. A free port (0) is taken on UDP first and then asked of
 * TCP; if TCP has it in use, another is tried, a few times.
 */
export async function startDnsServer(given: DnsServerOptions): Promise<RunningDnsServer> {
  const options: Responding = { ...given, responder: new CachedResponder(given.answers) };
  for (let attempt = 0; ; attempt++) {
    const udp = await listenUdp(options, options.port);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(options, port);
      return {
        host: options.host,
        port,
        close: async () => {
          await Promise.all([
            new Promise<void>((done) => udp.close(() => done())),
            new Promise<void>((done) => {
              tcp.server.close(() => done());
              for (const socket of tcp.open) socket.destroy();
            }),
          ]);
        },
      };
    } catch (err) {
      udp.close();
      if (options.port !== 0 || attempt >= 5) throw err;
    }
  }
}
