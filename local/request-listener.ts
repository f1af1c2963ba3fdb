import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { getRequestListener } from "@hono/node-server";

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;
type Incoming = IncomingMessage | Http2ServerRequest;
type Outgoing = ServerResponse | Http2ServerResponse;
export type RequestListener = (incoming: Incoming, outgoing: Outgoing) => void;

/** Bodies announced at up to this size are read whole before the app sees the request. */
export const BUFFERED_BODY_BYTES = 64 * 1024;

// What Request.text() decodes with: UTF-8, a leading BOM dropped, bad bytes replaced.
const utf8 = new TextDecoder();

/**
 * The app's fetch as a Node request listener: @hono/node-server's, with small request bodies
 * read first. Its own body path wraps the Node stream in two web streams and builds a whole
 * undici Request the first time the body is touched, which was the largest share of a
 * heartbeat's CPU time in local mode. Here a body whose Content-Length is announced (and
 * small) is collected from the Node stream and served to the app from that one buffer;
 * anything else (chunked, or large: the app answers 413) takes @hono/node-server's path
 * unchanged. Responses are written by @hono/node-server in both cases.
 */
export function requestListener(fetch: Fetch): RequestListener {
  const streamed = getRequestListener(fetch) as RequestListener;
  // Its clean-up drains a body the app left unread; a buffered body has been read whole.
  const buffered = getRequestListener(
    (req, env) =>
      fetch(
        withSignal(
          withBody(req, (env.incoming as { rawBody?: Buffer }).rawBody),
          env.outgoing as Outgoing,
        ),
        env,
      ),
    { autoCleanupIncoming: false },
  ) as RequestListener;

  return (incoming, outgoing) => {
    if (incoming.method === "GET" || incoming.method === "HEAD") {
      // Never read, with either listener.
      buffered(incoming, outgoing);
      return;
    }
    const length = announcedLength(incoming);
    if (length === undefined || length > BUFFERED_BODY_BYTES) {
      streamed(incoming, outgoing);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // HTTP/1.1 framing holds a body to its Content-Length; this guards any other framing.
      if (size > length) incoming.destroy(new Error("body longer than its Content-Length"));
      else chunks.push(chunk);
    });
    incoming.on("end", () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      Object.assign(incoming, { rawBody: body });
      buffered(incoming, outgoing);
    });
    // A client gone mid-body: nothing to answer, and no unhandled 'error'.
    incoming.on("error", () => outgoing.destroy());
  };
}

/** Content-Length when it alone frames the body; undefined for chunked or absent. */
function announcedLength(incoming: Incoming): number | undefined {
  const headers = incoming.headers;
  if (headers["transfer-encoding"] !== undefined) return undefined;
  const value = headers["content-length"];
  if (typeof value !== "string" || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The request with a `signal` that aborts when the client goes before its answer is written:
 * a closed connection, or an HTTP/2 stream the client cancelled (RST_STREAM). A held read
 * (`?wait=`) listens to it to let go at once. @hono/node-server's own signal misses the
 * HTTP/2 case: Node's HTTP/2 response reports itself finished when its stream closes, answered
 * or not, so only `writableEnded` (end() was called) tells the two apart. The controller is
 * made when the signal is first asked for (only held reads ask); the close is watched from the
 * start, so a client gone before that is seen too.
 */
function withSignal(req: Request, outgoing: Outgoing): Request {
  let gone = false;
  let controller: AbortController | undefined;
  outgoing.once("close", () => {
    if (outgoing.writableEnded) return;
    gone = true;
    controller?.abort(new Error("the client went away"));
  });
  return Object.create(req, {
    signal: {
      get: () => {
        if (!controller) {
          controller = new AbortController();
          if (gone) controller.abort(new Error("the client went away"));
        }
        return controller.signal;
      },
    },
  }) as Request;
}

/**
 * @hono/node-server's lightweight request, with the body methods the app uses answered from
 * `raw`. Everything else (headers, signal, body as a stream, blob, formData) is inherited, and
 * builds the full Request from the same buffer if asked for.
 */
function withBody(req: Request, raw: Buffer | undefined): Request {
  if (!raw) return req;
  return Object.create(req, {
    text: { value: async () => utf8.decode(raw) },
    json: { value: async () => JSON.parse(utf8.decode(raw)) },
    arrayBuffer: {
      value: async () => raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
    },
  }) as Request;
}
