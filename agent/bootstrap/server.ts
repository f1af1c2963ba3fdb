import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createH2cServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { createServer as createNetServer, type Socket } from "node:net";
import { routeByPreface } from "../../shared/net/h2-preface.js";
import type { RelayAnswer } from "./upstream.js";

type Request = IncomingMessage | Http2ServerRequest;
/** What both servers' responses (HTTP/1.1 and HTTP/2 compatibility API) offer alike. */
interface Response {
  headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string): unknown;
}

export interface RelayServer {
  host: string;
  port: number;
  /** Stops accepting, lets answers in flight finish for up to `drainMs`, then closes all. */
  close(drainMs: number): Promise<void>;
}

/** `{"error":{code,message}}`, the registry's shape, so Blixard's log shows the cause. */
function error(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** GET (or HEAD) `/bootstrap` or `<any path>/bootstrap`, as Blixard's join URL rule asks it. */
async function handle(req: Request, res: Response, answer: () => Promise<RelayAnswer>) {
  const send = (status: number, headers: Record<string, string>, body: string) => {
    res.writeHead(status, {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      ...headers,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(405, { Allow: "GET, HEAD" }, error("method_not_allowed", "only GET /bootstrap"));
    return;
  }
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path !== "/bootstrap" && !path.endsWith("/bootstrap")) {
    send(404, {}, error("not_found", "the relay answers GET /bootstrap (or <any path>/bootstrap)"));
    return;
  }
  const a = await answer();
  if (a.kind === "none") {
    send(503, { "Retry-After": "5" }, error(a.code, a.message));
  } else if (a.kind === "registry") {
    send(a.status, {}, a.body);
  } else if (a.etag !== null && req.headers["if-none-match"] === a.etag) {
    res.writeHead(304, { ETag: a.etag, "Cache-Control": "no-store" });
    res.end();
  } else {
    send(
      200,
      {
        Age: String(a.ageSeconds),
        ...(a.etag !== null ? { ETag: a.etag } : {}),
        // Passed on: the body is the registry's, byte for byte, so a client can check it too.
        ...(a.signature !== null ? { "Muster-Signature": a.signature } : {}),
        ...(a.stale !== undefined ? { "Muster-Relay-Stale": a.stale } : {}),
      },
      a.body,
    );
  }
}

/**
 * HTTP/1.1 and HTTP/2 cleartext with prior knowledge on one port, told apart by the first
 * bytes (shared/net/h2-preface.ts): Blixard's bootstrap client speaks only the latter to an
 * `http://` URL, curl and health checks the former.
 */
export async function serveRelay(
  host: string,
  port: number,
  answer: () => Promise<RelayAnswer>,
): Promise<RelayServer> {
  const listener = (req: Request, outgoing: ServerResponse | Http2ServerResponse) => {
    const res = outgoing as Response;
    handle(req, res, answer).catch(() => {
      if (!res.headersSent) res.writeHead(500, {});
      res.end();
    });
  };
  const http1 = createHttp1Server(listener);
  const h2c = createH2cServer(listener);
  const sessions = new Set<Http2Session>();
  h2c.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    routeByPreface(socket, (isH2) => (isH2 ? h2c : http1).emit("connection", socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    host,
    port: typeof address === "object" && address ? address.port : port,
    close: async (drainMs) => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const session of sessions) session.close();
      http1.closeIdleConnections();
      const force = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, drainMs);
      await closed;
      clearTimeout(force);
    },
  };
}
