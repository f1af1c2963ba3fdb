import type { Credential } from "./logic/credential.js";
import { clockSkew } from "./logic/format.js";

/** The registry said no: its status, code and message (the API's error shape). */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  /** Undefined on a 304: what the caller holds is current. */
  body: T | undefined;
  etag: string | undefined;
  /** The server's clock minus ours. */
  skewMs: number;
}

/**
 * GET of the registry's own origin, with the credential. `etag` makes it conditional (304);
 * `wait` a blocking read. The browser's cache is bypassed: the page revalidates itself, and
 * a 304 must reach it as one.
 */
export async function get<T>(
  path: string,
  credential: Credential,
  options: { etag?: string | undefined; wait?: number | undefined; signal?: AbortSignal } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const params: string[] = [];
  // X-Muster-Token rather than Authorization: behind the stack's CloudFront, origin access
  // control puts its own signature in Authorization; muster reads the token from either.
  if (credential.kind === "token") headers["X-Muster-Token"] = credential.token;
  else params.push(credential.query);
  if (options.etag) {
    headers["If-None-Match"] = options.etag;
    if (options.wait) params.push(`wait=${options.wait}`);
  }
  const url = params.length ? `${path}${path.includes("?") ? "&" : "?"}${params.join("&")}` : path;
  const res = await fetch(url, {
    headers,
    cache: "no-store",
    credentials: "omit",
    redirect: "error",
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const skewMs = clockSkew(res.headers.get("date"), Date.now());
  if (res.status === 304) return { body: undefined, etag: options.etag, skewMs };
  if (res.ok) {
    return { body: (await res.json()) as T, etag: res.headers.get("etag") ?? undefined, skewMs };
  }
  let code = "error";
  let message = `${res.status} ${res.statusText}`;
  try {
    const e = (await res.json()) as { error?: { code?: string; message?: string } };
    code = e.error?.code ?? code;
    message = e.error?.message ?? message;
  } catch {
    // Not our JSON (a proxy's page): the status says enough.
  }
  throw new Refused(res.status, code, message);
}
