import { readFileSync } from "node:fs";
import { createSecureServer, type SecureServerOptions } from "node:http2";
import type { LocalSettings } from "../shared/settings/local.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";

/** What `serve` (@hono/node-server) needs for HTTPS, and the scheme to print. */
export interface TlsServe {
  createServer: typeof createSecureServer;
  serverOptions: SecureServerOptions;
}

/**
 * MUSTER_TLS_CERT and MUSTER_TLS_KEY (PEM files, read by the local settings as a pair): HTTPS
 * with HTTP/2 and HTTP/1.1 chosen by ALPN on one port. HTTP/2 because dig's DNS over HTTPS
 * speaks nothing else; HTTP/1.1 for clients that do not offer h2.
 */
export function tlsServe(paths: NonNullable<LocalSettings["tls"]>): TlsServe {
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
      cert: read(Env.MUSTER_TLS_CERT, paths.cert),
      key: read(Env.MUSTER_TLS_KEY, paths.key),
      allowHTTP1: true,
    },
  };
}
