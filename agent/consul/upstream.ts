import type { IncomingMessage, ServerResponse } from "node:http";
import { payloadHash } from "../aws/sigv4.js";
import type { TokenSource } from "../client/registry-client.js";

/** An answer of the registry's Consul API: its status and text (writes answer none). */
export interface UpstreamAnswer {
  status: number;
  text: string;
}

/** Headers that describe one hop, not the message: never passed on by the proxy. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "proxy-connection",
  "te",
  "trailer",
]);

/**
 * The registry's Consul API, as the node's agent speaks to it: writes with a token (the
 * application's when it gave one, else the agent's), and reads passed through as they came,
 * blocking queries included, so that an application's `?index=&wait=` blocks on the registry.
 */
export class Upstream {
  readonly #base: string;
  readonly #token: TokenSource | undefined;
  readonly #timeoutMs: number;

  constructor(registry: string, token: TokenSource | undefined, timeoutMs: number) {
    this.#base = registry.replace(/\/+$/, "");
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** The agent's own token (re-read from its file each time). */
  async agentToken(): Promise<string | undefined> {
    const t = this.#token;
    return typeof t === "function" ? await t() : t;
  }

  async put(path: string, body: unknown, token: string | undefined): Promise<UpstreamAnswer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${this.#base}${path}`, {
      method: "PUT",
      headers: {
        ...(token ? { "X-Consul-Token": token } : {}),
        // The body's SHA-256: what CloudFront's origin access control (the stack's RegistryUrl)
        // needs to pass a write on to the function.
        ...(text === undefined
          ? {}
          : { "Content-Type": "application/json", "x-amz-content-sha256": payloadHash(text) }),
      },
      ...(text === undefined ? {} : { body: text }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  }

  async getJson(path: string): Promise<unknown> {
    const token = await this.agentToken();
    const res = await fetch(`${this.#base}${path}`, {
      headers: token ? { "X-Consul-Token": token } : {},
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  }

  /**
   * Passes a read on and its answer back, headers and all. No timeout of its own: a blocking
   * query lasts its wait; the registry bounds it, and the client's leaving cancels it.
   */
  async proxy(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(",") : value);
    }
    const hasToken =
      url.searchParams.has("token") ||
      headers.has("x-consul-token") ||
      /^bearer\s/i.test(headers.get("authorization") ?? "");
    if (!hasToken) {
      const token = await this.agentToken();
      if (token) headers.set("X-Consul-Token", token);
    }
    const abort = new AbortController();
    res.once("close", () => abort.abort());
    const answer = await fetch(`${this.#base}${url.pathname}${url.search}`, {
      method: req.method ?? "GET",
      headers,
      signal: abort.signal,
    });
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!HOP.has(name) && name !== "content-encoding") out[name] = value;
    });
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { ...out, "content-length": String(body.length) });
    res.end(body);
  }
}
