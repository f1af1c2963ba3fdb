import { readFileSync } from "node:fs";
import { createSecureServer, type SecureServerOptions } from "node:http2";
import { createSecureContext } from "node:tls";
import type { LocalSettings } from "../shared/settings/local.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";

/** What `serve` (@hono/node-server) needs for HTTPS, and the scheme to print. */
export interface TlsServe {
  createServer: typeof createSecureServer;
  serverOptions: SecureServerOptions;
}

/** Where a newcomer finds how to make the pair. */
const HOW = "docs/dns.md#https-in-local-mode shows how to make them";

/**
 * MUSTER_TLS_CERT and MUSTER_TLS_KEY (PEM files, read by the local settings as a pair): HTTPS
 * with HTTP/2 and HTTP/1.1 chosen by ALPN on one port. HTTP/2 because dig's DNS over HTTPS
 * speaks nothing else; HTTP/1.1 for clients that do not offer h2. The pair is read and tried
 * here, before anything else starts, so that a missing file, a file that is not PEM or a key
 * that is not the certificate's is one line naming the files instead of a stack at listen.
 */
export function tlsServe(paths: NonNullable<LocalSettings["tls"]>): TlsServe {
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new ConfigError(
        `${name}: cannot read ${path} (${code}): give the path of a PEM file (${HOW}), or unset ${Env.MUSTER_TLS_CERT} and ${Env.MUSTER_TLS_KEY} for plain HTTP`,
      );
    }
  };
  const cert = read(Env.MUSTER_TLS_CERT, paths.cert);
  const key = read(Env.MUSTER_TLS_KEY, paths.key);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(
      `${Env.MUSTER_TLS_CERT} ${paths.cert} and ${Env.MUSTER_TLS_KEY} ${paths.key} are not a PEM certificate and its private key (${tlsReason(err)}): ${HOW}`,
    );
  }
  return {
    createServer: createSecureServer,
    serverOptions: { cert, key, allowHTTP1: true },
  };
}

/** OpenSSL's reason without its error-code prefix (`error:0480006C:PEM routines::no start line`). */
function tlsReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^error:[0-9A-F]+:/, "").replace(/::/, ": ");
}
