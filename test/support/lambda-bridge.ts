import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type LambdaResult, loadApiHandler } from "./lambda.js";

/**
 * The Lambda handler (functions/api.ts) behind a plain HTTP server on 127.0.0.1, so that a
 * real client — a Go program — talks to it as it would to the function URL: each request
 * becomes a payload v2 event, each result an answer. Requests run side by side in this
 * process, as they would in as many containers sharing one table.
 */
export async function lambdaBridge(env: Record<string, string>): Promise<{
  url: string;
  address: string;
  close: () => Promise<void>;
}> {
  const invoke = await loadApiHandler(env);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      let result: LambdaResult;
      try {
        result = await invoke(eventOf(req, body));
      } catch (err) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`the handler threw: ${(err as Error).message}`);
        return;
      }
      const payload = (result as { isBase64Encoded?: boolean }).isBase64Encoded
        ? Buffer.from(result.body ?? "", "base64")
        : Buffer.from(result.body ?? "");
      res.writeHead(result.statusCode, {
        ...result.headers,
        "content-length": String(payload.length),
      });
      res.end(payload);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function eventOf(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://bridge");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  headers.host = "abc123.lambda-url.us-east-1.on.aws";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.lambda-url.us-east-1.on.aws",
      domainPrefix: "abc123",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body.length > 0
      ? { body: body.toString("base64"), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}
