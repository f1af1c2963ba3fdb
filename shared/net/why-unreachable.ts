import { readFileSync } from "node:fs";

/**
 * Why a request got no answer, in words an operator can act on: fetch says only "fetch
 * failed" and keeps the reason (a refused connection, a name that does not resolve, a
 * certificate this Node does not trust) in its `cause`. Used by the agent, the admin CLIs and
 * local mode's start-up, so that each says the same thing about the same failure.
 */
export function whyUnreachable(
  err: unknown,
  url: string,
  { what = "the registry", env = process.env }: UnreachableOptions = {},
): string {
  const { code, message } = innermost(err);
  const where = origin(url);
  if (code && CERTIFICATE.has(code)) return untrusted(message, code, where, env);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `${message} (${code}): reach ${where.host} by a name or address its certificate was made for`;
  }
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused (ECONNREFUSED): nothing listens on ${where.hostPort}; is ${what} running, and is the URL right?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the name ${where.host} does not resolve (${code}): check the URL, or the machine's DNS`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `no connection to ${where.hostPort} (${code}): a firewall, or a machine that is down`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where.host} cannot be reached from here (${code})`;
    case "ERR_SSL_WRONG_VERSION_NUMBER":
    case "EPROTO":
      return `${message} (${code}): ${where.hostPort} does not speak TLS; use http:// for it`;
    case "UND_ERR_SOCKET":
    case "ECONNRESET":
      return where.protocol === "http:"
        ? `${message} (${code}): the connection was closed without an answer; if ${where.hostPort} serves HTTPS, use https://`
        : `${message} (${code}): the connection was closed without an answer`;
  }
  if (code && message) return message.includes(code) ? message : `${message} (${code})`;
  return message || code || String(err);
}

export interface UnreachableOptions {
  /** What the URL was meant to reach, for "is … running?" (default "the registry"). */
  what?: string;
  /** Where NODE_EXTRA_CA_CERTS is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The codes of a connection that could not be made or was lost: a network failure. */
export function isNetworkFailure(err: unknown): boolean {
  const { code } = innermost(err);
  return code !== undefined && (NETWORK.has(code) || CERTIFICATE.has(code));
}

const NETWORK = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "UND_ERR_SOCKET",
  "EPROTO",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** undici's codes for a certificate chain Node does not trust. */
const CERTIFICATE = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
]);

const EXTRA_CA = "NODE_EXTRA_CA_CERTS";

function untrusted(
  message: string,
  code: string,
  where: ReturnType<typeof origin>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  // Node 24 appends its own advice ("; if the root CA is installed locally, try …").
  const reason = message.split(";")[0];
  const what = `the certificate of ${where.hostPort} is not trusted here (${reason}, ${code})`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return `${what}: the server needs a certificate valid today`;
  }
  const given = env[EXTRA_CA];
  if (given) {
    let pem = "";
    try {
      pem = readFileSync(given, "utf8");
    } catch (err) {
      return `${what}: ${EXTRA_CA}=${given} cannot be read (${(err as NodeJS.ErrnoException).code}), so Node ignored it`;
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      return `${what}: ${EXTRA_CA}=${given} holds no PEM certificate`;
    }
    return `${what}: ${EXTRA_CA}=${given} does not hold the CA that signed it (Node reads that file once, at start)`;
  }
  return `${what}: give Node the CA that signed it (for a self-signed certificate, the certificate itself) in PEM: ${EXTRA_CA}=/path/to/ca.pem, or NODE_OPTIONS=--use-system-ca if the system trusts it`;
}

/** The deepest cause's code and message: undici wraps the socket's error in "fetch failed". */
function innermost(err: unknown): { code: string | undefined; message: string } {
  let at: unknown = err;
  let code: string | undefined;
  let message = "";
  for (let depth = 0; at && typeof at === "object" && depth < 5; depth++) {
    const e = at as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string") code = e.code;
    if (typeof e.message === "string" && e.message !== "fetch failed") message = e.message;
    // An AggregateError (several addresses tried) carries its errors, not a cause.
    at = e.cause ?? (at as { errors?: unknown[] }).errors?.[0];
  }
  return { code, message };
}

function origin(url: string): { host: string; hostPort: string; protocol: string } {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    return { host: u.hostname, hostPort: `${u.hostname}:${port}`, protocol: u.protocol };
  } catch {
    return { host: url, hostPort: url, protocol: "" };
  }
}
