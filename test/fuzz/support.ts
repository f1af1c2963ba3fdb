import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { expect } from "vitest";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { newKeySet, SigningKeys, serializeKeySet } from "../../shared/signing/keys.js";
import { fixedSigning } from "../../shared/signing/source.js";
import type { Engine } from "../engines/index.js";
import { TOKEN_A, TOKEN_B } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";

/**
 * The property-based suite's common parts. The properties (reads.ts, writes.ts,
 * regressions.ts) take the engine they run on: every one runs on SQLite in the unit project
 * (`*.test.ts`, the full run counts) and on every other engine in the integration project
 * (`*.integration.test.ts`, a share of the runs that keeps DynamoDB Local under a minute), so
 * the ownership rules are fuzzed on each engine's own copy of them.
 *
 * FUZZ_SEED fixes the seed (default below, so CI is reproducible); FUZZ_RUNS multiplies
 * every property's run count (e.g. FUZZ_RUNS=20 for a long local session).
 */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

/**
 * Options for fc.assert: the seed, the runs (scaled by FUZZ_RUNS and by `share`, the part of
 * the full count an engine runs), and no shrinking budget blow-up.
 */
export function fuzzOptions(runs: number, share = 1): fc.Parameters<unknown> {
  const scale = (Number.isFinite(SCALE) ? SCALE : 1) * share;
  const numRuns = Math.max(1, Math.round(runs * scale));
  // Inputs the Request constructor refuses are skipped, not counted; allow plenty of them.
  return {
    seed: SEED,
    numRuns,
    maxSkipsPerRun: 10,
    endOnFailure: false,
    interruptAfterTimeLimit: 600_000,
  };
}

/**
 * The clock every fuzzed registry uses: fixed, so no lease lapses during a property, and in
 * the future, so no engine's own expiry (DynamoDB Local deletes an item by its TTL attribute
 * within a second of the machine's clock passing it) removes what a property wrote.
 */
export const NOW = Date.parse("2036-11-21T12:00:00Z");

/** The real app over a fresh store on `engine`, two bootstrap tokens, signing on. */
export async function fuzzRegistry(engine: Engine) {
  const { store, close } = await freshStorage(engine);
  const app = createApp({
    store,
    tokens: new TokenSet([TOKEN_A, TOKEN_B]),
    publicServices: new Set(["open"]),
    now: () => NOW,
    signing: fixedSigning(SigningKeys.parse(serializeKeySet(newKeySet(NOW)))),
  });
  return { app, store, close };
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body?: string;
}

/** A Request, or undefined when the Fetch constructor itself refuses the input (skipped). */
export function toRequest(r: FuzzRequest): Request | undefined {
  try {
    const headers = new Headers();
    for (const [k, v] of r.headers) headers.append(k, v);
    return new Request(`http://localhost${r.path}`, {
      method: r.method,
      headers,
      ...(r.body !== undefined && r.method !== "GET" && r.method !== "HEAD"
        ? { body: r.body }
        : {}),
    });
  } catch {
    return undefined;
  }
}

/**
 * The contract for any input: never a 5xx (503 only when the store is down, which it is not
 * here), every refusal in the one JSON error shape, and no body on 204/304/HEAD.
 */
export async function expectWellFormed(req: Request, res: Response): Promise<void> {
  const where = `${req.method} ${req.url.slice(0, 200)}`;
  expect(res.status, where).toBeLessThan(500);
  // A client that offered gzip (or `*`) may get it: read what it would have after decoding.
  const raw = Buffer.from(await res.arrayBuffer());
  const gzipped = res.headers.get("content-encoding") === "gzip";
  const text = (gzipped ? gunzipSync(raw) : raw).toString("utf8");
  if (res.status === 204 || res.status === 304 || req.method === "HEAD") {
    expect(text, where).toBe("");
    return;
  }
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), where).toMatch(/^application\/json/);
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; issues?: unknown };
    };
    expect(typeof body.error?.code, where).toBe("string");
    expect(typeof body.error?.message, where).toBe("string");
    if (body.error?.issues !== undefined) {
      expect(Array.isArray(body.error.issues), where).toBe(true);
      for (const issue of body.error.issues as { path: unknown; message: unknown }[]) {
        expect(typeof issue.path, where).toBe("string");
        expect(typeof issue.message, where).toBe("string");
      }
    }
    return;
  }
  if (/json/.test(res.headers.get("content-type") ?? "")) JSON.parse(text);
}

/** Statuses seen by a property, printed after it: shows how much input got past validation. */
export class Tally {
  readonly #counts = new Map<number, number>();
  #skipped = 0;
  constructor(readonly name: string) {}
  add(status: number): void {
    this.#counts.set(status, (this.#counts.get(status) ?? 0) + 1);
  }
  skip(): void {
    this.#skipped++;
  }
  print(startedMs: number): void {
    const counts = [...this.#counts].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`);
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz ${this.name}: ${total} requests in ${Date.now() - startedMs} ms (${counts.join(" ")}; ${this.#skipped} inputs the Request constructor refused, skipped)`,
    );
  }
}

interface Fetcher {
  fetch(req: Request): Response | Promise<Response>;
}

/**
 * Builds, sends and checks one fuzzed request. An input the Request constructor refuses is
 * skipped with fc.pre (not counted as a run); `fc.pre` is skipped too in a sequence, where
 * `inSequence` makes it simply not sent.
 */
export async function sendChecked(
  app: Fetcher,
  r: FuzzRequest,
  tally: Tally,
  inSequence = false,
): Promise<Response | undefined> {
  const req = toRequest(r);
  if (req === undefined) {
    tally.skip();
    if (inSequence) return undefined;
    fc.pre(false);
    return undefined;
  }
  const res = await app.fetch(req);
  tally.add(res.status);
  await expectWellFormed(req, res.clone());
  return res;
}

// ---- arbitraries ----------------------------------------------------------------------------

/** encodeURIComponent, or the raw text (the URL parser then does what it does with it). */
function pathPart(raw: string, encode: boolean): string {
  if (!encode) return raw;
  try {
    return encodeURIComponent(raw);
  } catch {
    return raw; // a lone surrogate
  }
}

const oddSegments = [
  "",
  ".",
  "..",
  "%",
  "%zz",
  "%00",
  "%2e%2e",
  "a%2Fb",
  "%E0%A4%A",
  "..%2F..",
  "__proto__",
  "constructor",
  "a".repeat(63),
  "a".repeat(64),
  "x".repeat(129),
  "node-1\u0000",
  "ｂｌｉｘａｒｄ",
  "blixard\u200b",
];

/** A path segment: valid names, unicode, binary, long, percent-encoding tricks. */
export function segment(valid: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...valid) },
        { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
        { weight: 1, arbitrary: fc.constantFrom(...oddSegments) },
        { weight: 1, arbitrary: fc.nat(6000).map((n) => "a".repeat(n)) },
      ),
      fc.boolean(),
    )
    .map(([s, encode]) => pathPart(s, encode));
}

const queryKey = fc.oneof(
  fc.constantFrom("status", "tag", "expires", "sig", "token", "status[]", ""),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const queryValue = fc.oneof(
  fc.constantFrom("any", "passing", "warning", "critical", "", "ANY", "x".repeat(70)),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** A query string: repeated keys, empty ones, unicode, raw or encoded. */
export const query: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 40 }), fc.boolean())
  .map(([pairs, bare]) => {
    if (pairs.length === 0) return bare ? "?" : "";
    return `?${pairs.map(([k, v, enc]) => `${pathPart(k, enc)}=${pathPart(v, enc)}`).join("&")}`;
  });

const headerName = fc.oneof(
  fc.constantFrom(
    "If-None-Match",
    "Accept",
    "Accept-Encoding",
    "Origin",
    "Cookie",
    "X-Forwarded-For",
    "Host",
    "Range",
    "Transfer-Encoding",
    "Content-Encoding",
    "Expect",
    "Muster-Signature",
  ),
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/),
);
/** Latin-1 text: what a header value can carry beyond ASCII (obs-text). */
const latin1 = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x80 : c)),
  maxLength: 60,
});
const headerValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "*",
      '"abc"',
      'W/"abc"',
      "chunked",
      "gzip",
      "bytes=0-1",
      "100-continue",
      "",
    ),
  },
  { weight: 3, arbitrary: latin1 },
  // Control characters and code points past U+00FF: mostly refused by Headers, so skipped.
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.nat(9000).map((n) => "v".repeat(n)) },
);

/** Authorization as a caller may send it: good, bad, odd, duplicated. */
export function authorization(own: string, other: string): fc.Arbitrary<readonly string[]> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant([`Bearer ${own}`]) },
    { weight: 1, arbitrary: fc.constant([]) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        [`bearer    ${own}   `],
        [`Bearer ${own}`, `Bearer ${other}`],
        [`Bearer ${own}, Bearer ${other}`],
        [`Bearer ${own}x`],
        [`Bearer ${own.slice(0, -1)}`],
        ["Bearer"],
        ["Bearer "],
        [`Basic ${Buffer.from(`u:${own}`).toString("base64")}`],
        [`Bearer\t${own}`],
        [`Bearer ${own}\u00e9`],
      ),
    },
    { weight: 1, arbitrary: headerValue.map((v) => [v]) },
  );
}

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/merge-patch+json",
      "application/json;charset=latin1",
      "application/jsonx",
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      " application/json ",
      "application/json, text/plain",
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

/** Content-Length: absent (the usual), the truth, or a lie in either direction. */
export function contentLength(body: string | undefined): fc.Arbitrary<string | undefined> {
  const truth = body === undefined ? "0" : String(Buffer.byteLength(body));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        truth,
        "0",
        "1",
        "16384",
        "16385",
        "99999999999999",
        "-1",
        "1e3",
        "abc",
        "",
      ),
    },
  );
}

export const extraHeaders = fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 });
