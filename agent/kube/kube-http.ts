import { request } from "node:https";
import type { KubeTarget } from "./kubeconfig.js";

export interface KubeAnswer {
  status: number;
  /** The body parsed as JSON (a Status object on failures), or its text if it is not JSON. */
  body: unknown;
}

/** No answer at all: refused, reset, TLS failure, or the timeout. */
export class KubeUnreachableError extends Error {
  override readonly name = "KubeUnreachableError";
}

const MAX_BODY = 4 * 1024 * 1024;

/**
 * One JSON request to the API server of `target`, over node:https because fetch cannot trust a
 * cluster's own CA or present a client certificate per request. Every status is returned; only
 * no answer throws.
 */
export function kubeRequest(
  target: KubeTarget,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<KubeAnswer> {
  const url = new URL(path, `${target.server}/`);
  if (url.protocol !== "https:") {
    return Promise.reject(new KubeUnreachableError(`${target.server}: only https servers`));
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (payload !== undefined) headers["content-type"] = "application/json";
  const token = target.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers,
        ca: target.ca,
        cert: target.cert,
        key: target.key,
        servername: target.tlsServerName,
        rejectUnauthorized: !target.insecureSkipTlsVerify,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
          else chunks.push(chunk);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): kept as text for the message.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", (err) => reject(new KubeUnreachableError(err.message)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) =>
      reject(new KubeUnreachableError(`${method} ${url.pathname}: ${err.message}`)),
    );
    req.end(payload);
  });
}
