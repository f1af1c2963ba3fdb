import { createServer as createHttp1Server } from "node:http";
import { createServer as createH2cServer, type Http2Session } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { routeByPreface } from "../shared/net/h2-preface.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import { acceptH2WithoutAlpn } from "./no-alpn.js";
import { requestListener } from "./request-listener.js";
import type { TlsServe } from "./tls.js";

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
 * TLS, ALPN chooses between h2 and HTTP/1.1; a TLS connection that negotiated no protocol
 * (Blixard's, again: native-tls offers no ALPN) is told apart by its first bytes too.
 */
export async function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  port: number,
  host: string,
  tls?: TlsServe,
): Promise<Listening> {
  const listener = requestListener(fetch);
  const sessions = new Set<Http2Session>();
  const track = (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  };
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
    const secure = tls.createServer(tls.serverOptions, listener);
    secure.on("session", track);
    secure.on("connection", remember);
    acceptH2WithoutAlpn(secure, (socket, waiting) => {
      if (waiting) unrouted.add(socket);
      else unrouted.delete(socket);
    });
    server = secure;
  } else {
    http1 = createHttp1Server(listener);
    const h2c = createH2cServer(listener);
    h2c.on("session", track);
    const plain = http1;
    server = createNetServer((socket) => {
      remember(socket);
      unrouted.add(socket);
      socket.once("close", () => unrouted.delete(socket));
      routeByPreface(socket, (isH2) => {
        unrouted.delete(socket);
        (isH2 ? h2c : plain).emit("connection", socket);
      });
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
