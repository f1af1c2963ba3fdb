import { Agent, type IncomingHttpHeaders, request } from "node:http";

/** What a load request answered: its status, headers and whole body. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The load client for the side-by-side rates: node:http over keep-alive connections, one per
 * request in flight, for muster and etcd alike. fetch spent 300–450 µs of CPU per request
 * here, more than either server, on the same two cores the servers run on, so its rates
 * measured the client; this one spends 40–80 µs.
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(inFlight: number) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  }

  /**
   * `same`: bytes the answer is expected to be. Each chunk is compared with them as it comes,
   * and an answer that is exactly them is answered with them, not a copy: a 345 KB body made
   * whole for every answer of a list round was most of this client's garbage.
   */
  send(
    method: "GET" | "POST",
    url: string,
    headers: Record<string, string> = {},
    body?: string,
    same?: Buffer,
  ): Promise<Answer> {
    const { hostname, port, pathname, search } = new URL(url);
    const sized =
      body === undefined
        ? headers
        : { ...headers, "Content-Length": String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          path: pathname + search,
          method,
          headers: sized,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let at = 0;
          let equal = same !== undefined;
          res.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            if (equal && same) {
              equal =
                at + chunk.length <= same.length &&
                chunk.equals(same.subarray(at, at + chunk.length));
              at += chunk.length;
            }
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: equal && same && at === same.length ? same : Buffer.concat(chunks),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  post(
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
    same?: Buffer,
  ): Promise<Answer> {
    return this.send(
      "POST",
      url,
      { "Content-Type": "application/json", ...headers },
      JSON.stringify(body),
      same,
    );
  }

  close(): void {
    this.#agent.destroy();
  }
}
