import { createServer as createHttp1Server } from "node:http";
import { createServer as createH2cServer, type Http2Session } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { ConnectionLimits } from "../shared/settings/local.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import {
  guardSession,
  http1Options,
  PerClientCap,
  startConnectionChecks,
} from "./connection-guard.js";
import { requestListener } from "./request-listener.js";
import type { TlsServe } from "./tls.js";

/** What every HTTP/2 connection starts with (RFC 9113 §3.4). */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** How long a new connection may take to send its first bytes. */
const FIRST_BYTES_MS = 30_000;

export interface Listening {
  port: number;
  /**
   * Stops accepting, lets requests in flight finish for up to `drainMs`, then closes every
   * connection (HTTP/1.1 and HTTP/2 alike); resolves once all are closed.
   */
  close(drainMs: number): Promise<void>;
}

/**
 * Listens, or refuses in one line naming the address: a taken port is a start-up error, not
 * a stack trace from the 'error' event.
 *
 * Plain HTTP speaks HTTP/1.1 and HTTP/2 over cleartext with prior knowledge (h2c) on the same
 * port, told apart by the first bytes: Blixard's bootstrap client (reqwest with
 * `http2_prior_knowledge()`) speaks nothing else, curl and most tools speak HTTP/1.1. With
 * TLS, ALPN chooses between h2 and HTTP/1.1.
 *
 * `limits` (docs/hardening.md): headers, request and idle timeouts on both protocols, and
 * a cap on the connections one client address holds.
 */
export async function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  port: number,
  host: string,
  limits: ConnectionLimits,
  tls?: TlsServe,
): Promise<Listening> {
  const listener = requestListener(fetch);
  const sessions = new Set<Http2Session>();
  const track = (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    guardSession(session, limits);
  };
  const cap = new PerClientCap(limits.maxPerClient);
  // Every TCP connection, for the last step of close(); `unrouted`: no request on it yet.
  const sockets = new Set<Socket>();
  const unrouted = new Set<Socket>();
  const remember = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  let server: Server;
  let http1: ReturnType<typeof createHttp1Server> | undefined;
  if (tls) {
    const secure = tls.createServer({ ...tls.serverOptions, ...http1Options(limits) }, listener);
    secure.on("session", track);
    // Before TLS starts on it: a connection over the cap costs no handshake.
    secure.prependListener("connection", (socket: Socket) => {
      if (cap.admit(socket)) remember(socket);
    });
    server = secure;
  } else {
    http1 = createHttp1Server(http1Options(limits), listener);
    startConnectionChecks(http1);
    const h2c = createH2cServer(listener);
    h2c.on("session", track);
    const plain = http1;
    server = createNetServer((socket) => {
      if (!cap.admit(socket)) return;
      remember(socket);
      unrouted.add(socket);
      socket.once("close", () => unrouted.delete(socket));
      route(socket, plain, h2c, () => unrouted.delete(socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") {
        reject(
          new ConfigError(
            `port ${port} on ${host} is already in use: stop what holds it, or set ${Env.PORT} / --port`,
          ),
        );
      } else if (err.code === "EACCES") {
        reject(
          new ConfigError(
            `port ${port} on ${host} needs privileges this user lacks: use a port above 1023`,
          ),
        );
      } else if (err.code === "EADDRNOTAVAIL") {
        reject(
          new ConfigError(`${host} is not an address of this machine: set ${Env.HOST} / --host`),
        );
      } else {
        reject(err);
      }
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: async (drainMs) => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      // Stops the timeout checker startConnectionChecks began (the server never listened).
      http1?.close(() => {});
      // HTTP/2: GOAWAY, streams in flight finish. HTTP/1.1: idle keep-alive connections go,
      // and so do connections that have not sent a byte yet.
      for (const session of sessions) session.close();
      http1?.closeIdleConnections();
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      for (const socket of unrouted) socket.destroy();
      const force = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, drainMs);
      await closed;
      clearTimeout(force);
    },
  };
}

/**
 * Hands a new plain connection to the HTTP/2 server if it opens with the HTTP/2 preface,
 * else to the HTTP/1.1 server, with the bytes read so far put back. An HTTP/1.1 request
 * line differs from the preface within its first bytes, so nothing waits on a short read.
 */
function route(
  socket: Socket,
  http1: ReturnType<typeof createHttp1Server>,
  h2c: ReturnType<typeof createH2cServer>,
  routed: () => void,
): void {
  // A connection that never says anything is not kept forever (the servers' own request
  // timeouts start only once they have it).
  socket.setTimeout(FIRST_BYTES_MS, () => socket.destroy());
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && seen.length < PREFACE.length) return;
    socket.off("data", onData);
    socket.off("error", onError);
    socket.setTimeout(0);
    routed();
    // Paused with the bytes put back: the HTTP/2 session reads what is buffered when it takes
    // the socket over; the HTTP/1.1 parser needs the stream flowing again.
    socket.pause();
    socket.unshift(seen);
    if (isH2) {
      h2c.emit("connection", socket);
    } else {
      http1.emit("connection", socket);
      socket.resume();
    }
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
}
