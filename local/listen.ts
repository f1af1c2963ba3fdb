import type { Server } from "node:http";
import { createServer } from "node:http";
import { ConfigError } from "../shared/config.js";
import { requestListener } from "./request-listener.js";
import type { TlsServe } from "./tls.js";

/**
 * Listens, or refuses in one line naming the address: a taken port is a start-up error, not
 * a stack trace from the 'error' event.
 */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
  tls?: TlsServe,
): Promise<{ server: Server; port: number }> {
  // With TLS an http2 secure server (HTTP/1.1 too, by ALPN); its close/connection methods
  // are the ones shutdown uses.
  const listener = requestListener(fetch);
  const server = (tls
    ? tls.createServer(tls.serverOptions, listener)
    : createServer(listener)) as unknown as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") {
        reject(
          new ConfigError(
            `port ${port} on ${host} is already in use: stop what holds it, or set PORT / --port`,
          ),
        );
      } else if (err.code === "EACCES") {
        reject(
          new ConfigError(
            `port ${port} on ${host} needs privileges this user lacks: use a port above 1023`,
          ),
        );
      } else if (err.code === "EADDRNOTAVAIL") {
        reject(new ConfigError(`${host} is not an address of this machine: set HOST / --host`));
      } else {
        reject(err);
      }
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : port };
}
