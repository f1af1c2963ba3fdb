import { whyUnreachable } from "../../shared/net/why-unreachable.js";

/** What a request answered, read whole within the timeout. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface ErrorIssue {
  path: string;
  message: string;
}

/** The registry answered, with something other than success (the JSON error shape of docs/api.md). */
export class RegistryError extends Error {
  override readonly name = "RegistryError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ErrorIssue[] = [],
    /** From Retry-After on 429 and 503. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message);
  }
}

/** No answer at all: refused, reset, DNS failure, or the timeout. */
export class UnreachableError extends Error {
  override readonly name = "UnreachableError";
}

/** The registry is down or overloaded, as opposed to refusing this request. */
export function isRegistryDown(err: unknown): boolean {
  return err instanceof UnreachableError || (err instanceof RegistryError && err.status >= 500);
}

export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Covers the whole exchange, body included. */
  timeoutMs: number;
  /** The caller's own cancellation; it surfaces as the signal's reason, not as unreachable. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/**
 * fetch with a timeout and the registry's errors mapped to types a caller can branch on.
 * Success and 304 are returned; anything else throws.
 */
export async function send(url: string, init: SendInit): Promise<HttpAnswer> {
  const method = init.method ?? "GET";
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let answer: HttpAnswer;
  try {
    const res = await (init.fetch ?? fetch)(url, {
      method,
      // Said outright rather than left to fetch's default: a 100,000-instance listing fits a
      // Lambda answer only gzipped. fetch decodes the body, so text, ETag and signature checks
      // all see the identity bytes the registry signed.
      headers: { "accept-encoding": "gzip", ...init.headers },
      body: init.body,
      signal,
    });
    answer = { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    if (init.signal?.aborted) throw init.signal.reason ?? err;
    const why = timeout.aborted
      ? `no answer within ${init.timeoutMs} ms`
      : whyUnreachable(err, url);
    throw new UnreachableError(`${method} ${redact(url)}: ${why}`, { cause: err });
  }
  if ((answer.status >= 200 && answer.status < 300) || answer.status === 304) return answer;
  throw registryError(answer, method, url);
}

function registryError(answer: HttpAnswer, method: string, url: string): RegistryError {
  let code = `http_${answer.status}`;
  let message = `${method} ${redact(url)} answered ${answer.status}`;
  let issues: ErrorIssue[] = [];
  try {
    const body = JSON.parse(answer.text) as {
      error?: { code?: unknown; message?: unknown; issues?: unknown };
    };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = `${message}: ${body.error.message}`;
    if (Array.isArray(body.error?.issues)) issues = body.error.issues as ErrorIssue[];
  } catch {
    // Not the registry's JSON (a proxy's HTML page, say): the status says enough.
  }
  return new RegistryError(
    answer.status,
    code,
    message,
    issues,
    retryAfter(answer.headers.get("retry-after")),
  );
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** A presigned URL's query string is a credential: logs get the path only. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}
