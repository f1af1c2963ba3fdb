import type { Http2SecureServer } from "node:http2";
import type { TLSSocket } from "node:tls";
import { routeByPreface } from "../shared/net/h2-preface.js";

type ConnectionListener = (this: Http2SecureServer, socket: TLSSocket) => void;

/**
 * HTTP/2 with prior knowledge on TLS connections that negotiated no ALPN protocol.
 *
 * Node's HTTP/2 secure server (with `allowHTTP1`) hands a TLS connection without ALPN to
 * HTTP/1.1. Blixard's bootstrap client is reqwest 0.11 with native-tls, which offers no ALPN,
 * built with `http2_prior_knowledge()`: it writes the HTTP/2 preface on such a connection and
 * fails on the HTTP/1.1 answer. So the server's own connection listener is wrapped: a
 * connection with ALPN (`h2`, `http/1.1`) goes to it as before; one without is read first,
 * and marked `h2` when it opens with the preface, which is all Node's listener looks at to
 * choose HTTP/2 over HTTP/1.1.
 *
 * `pending` is told of a connection while its first bytes are awaited, and again (`false`)
 * once it is routed, so that a shutdown can close it.
 */
export function acceptH2WithoutAlpn(
  server: Http2SecureServer,
  pending: (socket: TLSSocket, waiting: boolean) => void,
): void {
  const listeners = server.listeners("secureConnection") as ConnectionListener[];
  const [nodeListener] = listeners;
  if (listeners.length !== 1 || !nodeListener) {
    throw new Error(
      "node:http2's secure server has changed: expected one secureConnection listener",
    );
  }
  server.removeListener("secureConnection", nodeListener);
  server.on("secureConnection", (socket: TLSSocket) => {
    if (socket.alpnProtocol) {
      nodeListener.call(server, socket);
      return;
    }
    pending(socket, true);
    socket.once("close", () => pending(socket, false));
    routeByPreface(socket, (isH2) => {
      pending(socket, false);
      // A public, writable property, set once at the handshake and read by the listener.
      if (isH2) socket.alpnProtocol = "h2";
      nodeListener.call(server, socket);
    });
  });
}
