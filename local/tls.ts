import { readFileSync } from "node:fs";
import { createSecureServer, type SecureServerOptions } from "node:http2";
import { ConfigError } from "../shared/config.js";

/** What `serve` (@hono/node-server) needs for HTTPS, and the scheme to print. */
export interface TlsServe {
  createServer: typeof createSecureServer;
  serverOptions: SecureServerOptions;
}

/**
 * MUSTER_TLS_CERT and MUSTER_TLS_KEY (PEM files): HTTPS with HTTP/2 and HTTP/1.1 chosen by
 * ALPN on one port. HTTP/2 because dig's DNS over HTTPS speaks nothing else; HTTP/1.1 for
 * clients that do not offer h2. Neither set: undefined (plain HTTP). One without the other is
 * a configuration error, not a silent downgrade.
 */
export function readTls(env: NodeJS.ProcessEnv): TlsServe | undefined {
  const certPath = env.MUSTER_TLS_CERT?.trim();
  const keyPath = env.MUSTER_TLS_KEY?.trim();
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) {
    throw new ConfigError(
      "invalid configuration: MUSTER_TLS_CERT and MUSTER_TLS_KEY must be set together",
    );
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return {
    createServer: createSecureServer,
    serverOptions: {
      cert: read("MUSTER_TLS_CERT", certPath),
      key: read("MUSTER_TLS_KEY", keyPath),
      allowHTTP1: true,
    },
  };
}
