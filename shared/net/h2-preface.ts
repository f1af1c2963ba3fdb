import type { Socket } from "node:net";

/** What every HTTP/2 connection starts with (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** How long a new connection may take to send its first bytes. */
const FIRST_BYTES_MS = 30_000;

/**
 * Reads a new connection's first bytes and tells whether it opens with the HTTP/2 preface
 * (HTTP/2 with prior knowledge) or not (HTTP/1.1), with the bytes read put back: `handOff`
 * gives the socket to the right server. An HTTP/1.1 request line differs from the preface
 * within its first bytes, so nothing waits on a short read. A connection that says nothing
 * for 30 s is closed (the servers' own timeouts start only once they have it).
 *
 * Shared by local mode (plain HTTP, and TLS connections that negotiated no ALPN protocol)
 * and `muster-agent bootstrap`: Blixard's bootstrap client speaks HTTP/2 with prior knowledge
 * and nothing else, curl and most tools speak HTTP/1.1.
 */
export function routeByPreface(socket: Socket, handOff: (isH2: boolean) => void): void {
  socket.setTimeout(FIRST_BYTES_MS, () => socket.destroy());
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && seen.length < H2_PREFACE.length) return;
    socket.off("data", onData);
    socket.off("error", onError);
    socket.setTimeout(0);
    // Paused with the bytes put back: an HTTP/2 session reads what is buffered when it takes
    // the socket over; the HTTP/1.1 parser needs the stream flowing again.
    socket.pause();
    socket.unshift(seen);
    handOff(isH2);
    if (!isH2) socket.resume();
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
}
