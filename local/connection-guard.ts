import type { ServerOptions as Http1Options, Server as Http1Server } from "node:http";
import { constants, type Http2Session, type ServerHttp2Stream } from "node:http2";
import { isIPv6, type Socket } from "node:net";
import type { ConnectionLimits } from "../shared/settings/local.js";

/**
 * Node's HTTP/1.1 server options for the limits. Node checks the headers and request timeouts
 * every `connectionsCheckingInterval` (30 s by default, so a 20 s timeout could fire at 50 s):
 * here a quarter of the headers timeout, between 0.1 and 1 s. The check walks only the
 * connections that have a request in progress.
 */
export function http1Options(limits: ConnectionLimits): Http1Options {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, limits.headersTimeoutMs / 4)),
  };
}

/**
 * Starts Node's timeout checks on an HTTP/1.1 server that is handed its connections (the
 * plain port sniffs the first bytes and emits 'connection') instead of listening itself.
 * Node tracks connections and starts the checker on the server's 'listening' event; without
 * it, headersTimeout and requestTimeout never fire and a slowloris client holds its socket
 * for ever. Node's close() stops the checker again.
 */
export function startConnectionChecks(server: Http1Server): void {
  server.emit("listening");
}

/**
 * HTTP/2 has no headers timeout of its own and Node's session timeout counts any frame
 * (a PING every few seconds would keep it) as activity, so: a session with no stream open
 * for the idle timeout is closed (GOAWAY), and a stream whose request has not arrived whole
 * (its body still coming) within the request timeout is reset. A stream that waits for its
 * answer (`?wait=`) has its request whole and is left alone.
 */
export function guardSession(session: Http2Session, limits: ConnectionLimits): void {
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    idle = setTimeout(() => {
      if (open > 0) return;
      session.close();
      // A peer that ignores the GOAWAY and holds the socket open is cut off.
      setTimeout(() => session.destroy(), 1000).unref();
    }, limits.idleTimeoutMs);
    idle.unref();
  };
  arm();
  session.on("stream", (stream: ServerHttp2Stream) => {
    open++;
    clearTimeout(idle);
    const incomplete = stream.endAfterHeaders
      ? undefined
      : setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), limits.requestTimeoutMs);
    incomplete?.unref();
    stream.once("end", () => clearTimeout(incomplete));
    stream.once("close", () => {
      clearTimeout(incomplete);
      if (--open === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  session.once("close", () => clearTimeout(idle));
}

/**
 * The address a connection is counted under: IPv4 as it is (IPv4-mapped IPv6 too), IPv6 by
 * its /64, the smallest block a single site is usually given.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/** Open connections per client address; one past the cap is closed as it arrives. */
export class PerClientCap {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts the socket until it closes, or destroys it and answers false when over the cap. */
  admit(socket: Socket): boolean {
    const key = clientKey(socket.remoteAddress);
    const count = this.#open.get(key) ?? 0;
    if (count >= this.max) {
      socket.destroy();
      return false;
    }
    this.#open.set(key, count + 1);
    socket.once("close", () => {
      const left = (this.#open.get(key) ?? 1) - 1;
      if (left > 0) this.#open.set(key, left);
      else this.#open.delete(key);
    });
    return true;
  }

  /** Open connections counted for an address (tests, metrics). */
  openFor(address: string): number {
    return this.#open.get(clientKey(address)) ?? 0;
  }
}
