import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { ConfigError } from "../shared/config.js";

/**
 * Listens, or refuses in one line naming the address: a taken port is a start-up error, not
 * a stack trace from the 'error' event.
 */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  const server = createAdaptorServer({ fetch }) as Server;
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
