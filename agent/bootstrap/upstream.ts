import { bootstrapInfo } from "../../shared/formats/bootstrap.js";
import { SIGNATURE_HEADER } from "../../shared/signing/header.js";
import type { TrustedKeys } from "../../shared/signing/trust.js";
import type { RequestSigner } from "../aws/sigv4.js";
import { type TokenSource, withAuth } from "../client/request-auth.js";
import type { Logger } from "../log.js";

/** The trusted keys, and a way to read them again when an answer names a key they lack. */
export interface KeySource {
  current(): Promise<TrustedKeys>;
  /** Undefined when the keys cannot be read again now (too soon, or they are fixed). */
  reload(): Promise<TrustedKeys | undefined>;
}

export interface UpstreamOptions {
  /** The registry's bootstrap URL (a join URL's is a credential: it is never logged). */
  url: string;
  /** What logs and answers call the registry: its origin. */
  name: string;
  /** Bearer token for `/v1/services/{service}/bootstrap`; none for a join URL. */
  token?: TokenSource | undefined;
  /** `--aws-iam`: signed with the node's AWS role (the function URL) instead of a token. */
  signer?: RequestSigner | undefined;
  keys: KeySource;
  timeoutMs: number;
  /** How long an answer the registry can no longer be asked for is still given. */
  maxStaleMs: number;
  log: Logger;
  now?: () => number;
  fetch?: typeof fetch;
}

/** What the relay answers a joining node. */
export type RelayAnswer =
  | {
      kind: "ok";
      body: string;
      signature: string | null;
      etag: string | null;
      /** Seconds since the registry last confirmed it. */
      ageSeconds: number;
      /** Set when the registry could not be asked: why. */
      stale?: string;
    }
  /** The registry's own refusal, passed on: it has no bootstrap node. */
  | { kind: "registry"; status: number; body: string }
  /** No answer to give (503): the cause, named. */
  | { kind: "none"; code: string; message: string };

interface Cached {
  body: string;
  signature: string | null;
  etag: string | null;
  /** When the registry last answered 200 or 304 for it. */
  confirmedAt: number;
}

/** Bursts (several nodes joining at once) share one request within this window. */
const FRESH_MS = 1000;

/**
 * The registry's BootstrapInfo, fetched over HTTPS, verified and kept: asked again with
 * If-None-Match (a 304 costs no body) at most once a second; the last verified answer is
 * given while the registry is down (unreachable, 5xx, 429) for up to `maxStaleMs`.
 */
export class BootstrapUpstream {
  #cached: Cached | undefined;
  #inFlight: Promise<RelayAnswer> | undefined;
  readonly #o: UpstreamOptions;
  readonly #now: () => number;

  constructor(options: UpstreamOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async answer(): Promise<RelayAnswer> {
    const cached = this.#cached;
    if (cached && this.#now() - cached.confirmedAt < FRESH_MS) return this.#ok(cached);
    this.#inFlight ??= this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  #ok(c: Cached, stale?: string): RelayAnswer {
    const ageSeconds = Math.max(0, Math.floor((this.#now() - c.confirmedAt) / 1000));
    return { kind: "ok", body: c.body, signature: c.signature, etag: c.etag, ageSeconds, stale };
  }

  /** The registry is down: the last good answer while it is recent enough, else 503. */
  #down(why: string): RelayAnswer {
    const c = this.#cached;
    if (c && this.#now() - c.confirmedAt <= this.#o.maxStaleMs) {
      this.#o.log.warn(`${this.#o.name} unreachable, answering from cache: ${why}`);
      return this.#ok(c, why);
    }
    this.#o.log.warn(`${this.#o.name} unreachable and nothing recent to answer with: ${why}`);
    return { kind: "none", code: "registry_unreachable", message: `${this.#o.name}: ${why}` };
  }

  async #refresh(): Promise<RelayAnswer> {
    const o = this.#o;
    const cached = this.#cached;
    let res: Response;
    let text: string;
    try {
      // The token in X-Muster-Token too: through CloudFront that is the header that arrives.
      const headers = await withAuth(
        { token: o.token, signer: o.signer },
        {
          method: "GET",
          url: o.url,
          headers: {
            Accept: "application/json",
            ...(cached?.etag ? { "If-None-Match": cached.etag } : {}),
          },
        },
      );
      res = await (o.fetch ?? fetch)(o.url, {
        headers,
        signal: AbortSignal.timeout(o.timeoutMs),
        redirect: "error",
      });
      text = await res.text();
    } catch (err) {
      return this.#down(describe(err, o.timeoutMs));
    }
    if (res.status === 304 && cached) {
      cached.confirmedAt = this.#now();
      return this.#ok(cached);
    }
    if (res.status >= 500 || res.status === 429) {
      return this.#down(`answered ${res.status}${errorText(text)}`);
    }
    if (res.status === 404 && errorCode(text) === "no_bootstrap_node") {
      // The registry's word, current: no node to join through. Nothing stale is given.
      this.#cached = undefined;
      return { kind: "registry", status: 404, body: text };
    }
    if (res.status !== 200) {
      const message = `${o.name} refused the relay's request: ${res.status}${errorText(text)}`;
      o.log.error(message);
      return { kind: "none", code: "registry_refused", message };
    }
    const signature = res.headers.get(SIGNATURE_HEADER);
    const why = await this.#untrusted(text, signature);
    if (why !== undefined) {
      const message = `${o.name}'s answer was refused: ${why}`;
      o.log.error(message);
      return { kind: "none", code: "untrusted_answer", message };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const info = bootstrapInfo.safeParse(parsed);
    if (!info.success) {
      const message = `${o.name}'s answer is not a BootstrapInfo: ${info.error.issues[0]?.message ?? "not JSON"}`;
      o.log.error(message);
      return { kind: "none", code: "invalid_answer", message };
    }
    this.#cached = {
      body: text,
      signature,
      etag: res.headers.get("etag"),
      confirmedAt: this.#now(),
    };
    return this.#ok(this.#cached);
  }

  /** Why the body cannot be trusted, reading the keys again once if it names an unknown key. */
  async #untrusted(text: string, signature: string | null): Promise<string | undefined> {
    let keys: TrustedKeys;
    try {
      keys = await this.#o.keys.current();
    } catch (err) {
      return `the registry's keys cannot be read: ${err instanceof Error ? err.message : err}`;
    }
    const body = Buffer.from(text, "utf8");
    const why = keys.check(body, signature, this.#now());
    if (why === undefined || !/which is not trusted$/.test(why)) return why;
    // A rotation: the registry signs with a key published since the keys were read.
    const again = await this.#o.keys.reload().catch(() => undefined);
    return again ? again.check(body, signature, this.#now()) : why;
  }
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The registry's error code and message, when its answer is its JSON error. */
function errorText(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code === "string") {
      return ` ${e.code}${typeof e.message === "string" ? `: ${e.message}` : ""}`;
    }
  } catch {
    // Not the registry's JSON (a proxy's page): the status says enough.
  }
  return "";
}

/** undici hides the reason in `cause`; the URL (a join URL is a credential) is never named. */
function describe(err: unknown, timeoutMs: number): string {
  if ((err as { name?: string }).name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  const text = typeof cause?.message === "string" ? cause.message : undefined;
  if (code && text) return text.includes(code) ? text : `${text} (${code})`;
  return code ?? text ?? (err instanceof Error ? err.message : String(err));
}
