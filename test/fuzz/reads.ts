import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrustedKeys } from "../../shared/signing/trust.js";
import type { Engine } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { TOKEN_A, TOKEN_B } from "../support/registry.js";
import {
  authorization,
  extraHeaders,
  type FuzzRequest,
  fuzzOptions,
  fuzzRegistry,
  NOW,
  query,
  SEED,
  segment,
  sendChecked,
  Tally,
} from "./support.js";

/**
 * Run counts per property. Reads that fail validation never reach the store; those that pass
 * read a small table: all cheap, so every endpoint gets thousands.
 */
const RUNS = { fileReads: 2000, lists: 2000, open: 1500, anyRoute: 2000 };

const SERVICES = ["fuzz", "open", "empty"];
const IDS = ["n-0", "n-1", "n-2"];

// Thousands of requests a property: on a loaded 2-core machine one takes more than the
// default 30 s (anonymous lists of the public services reach the store too).
/** The read properties on `engine`, at `share` of the full run counts. */
export function fuzzReads(engine: Engine, share = 1): void {
  describe(`fuzz on ${engine.name}: reads never answer 5xx, and every 200 is signed`, {
    timeout: 120_000,
  }, () => {
    let r: Awaited<ReturnType<typeof fuzzRegistry>>;
    let trusted: TrustedKeys;

    afterAll(() => r?.close());

    beforeAll(async () => {
      console.log(
        `fuzz reads on ${engine.name}: seed ${SEED}, runs ${JSON.stringify(RUNS)} (× FUZZ_RUNS × ${share})`,
      );
      r = await fuzzRegistry(engine);
      for (const [i, id] of IDS.entries()) {
        for (const service of ["fuzz", "open"]) {
          const res = await r.app.request(`/v1/services/${service}/heartbeats`, {
            method: "POST",
            headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              id,
              address: `10.0.0.${i}:7001`,
              cluster_node_id: i,
              iroh_node_id: irohNodeId(i + 1),
              tags: ["t", `t${i}`, "ünï"],
              status: (["passing", "warning", "critical"] as const)[i],
              ttl: 3600,
            }),
          });
          expect(res.status).toBe(201);
        }
      }
      trusted = TrustedKeys.fromDocuments([
        await (await r.app.request("/.well-known/muster-keys.json")).text(),
      ]);
    });

    /** Sends, checks the contract, and checks the signature of every 200 with a body. */
    const read = async (req: FuzzRequest, tally: Tally) => {
      const res = await sendChecked(r.app, req, tally);
      if (res?.status === 200 && req.method === "GET" && req.path.startsWith("/v1/services")) {
        // The signature covers the identity body: what a client has after decoding gzip.
        const raw = Buffer.from(await res.arrayBuffer());
        const body = res.headers.get("content-encoding") === "gzip" ? gunzipSync(raw) : raw;
        expect(
          trusted.check(body, res.headers.get("muster-signature"), NOW),
          req.path,
        ).toBeUndefined();
      }
    };

    const headersOf = (auth: readonly string[], extra: [string, string][]): [string, string][] => [
      ...auth.map((a): [string, string] => ["Authorization", a]),
      ...extra,
    ];

    it("registry.json, peers.json, peers.txt, srv: any service, id, query and headers", async () => {
      const tally = new Tally("file reads");
      const started = Date.now();
      const request = fc.record({
        file: fc.constantFrom("registry.json", "peers.json", "peers.txt", "srv"),
        method: fc.constantFrom("GET", "GET", "GET", "HEAD"),
        service: segment(SERVICES),
        id: segment(IDS),
        query,
        auth: authorization(TOKEN_B, TOKEN_A),
        extra: extraHeaders,
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const path =
            x.file === "registry.json"
              ? `/v1/services/${x.service}/instances/${x.id}/registry.json${x.query}`
              : `/v1/services/${x.service}/${x.file}${x.query}`;
          await read({ method: x.method, path, headers: headersOf(x.auth, x.extra) }, tally);
        }),
        fuzzOptions(RUNS.fileReads, share),
      );
      tally.print(started);
    });

    it("/v1/services and /instances: any service, query and headers", async () => {
      const tally = new Tally("list reads");
      const started = Date.now();
      const request = fc.record({
        list: fc.boolean(),
        service: segment(SERVICES),
        query,
        auth: authorization(TOKEN_A, TOKEN_B),
        extra: extraHeaders,
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const path = x.list
            ? `/v1/services${x.query}`
            : `/v1/services/${x.service}/instances${x.query}`;
          await read({ method: "GET", path, headers: headersOf(x.auth, x.extra) }, tally);
        }),
        fuzzOptions(RUNS.lists, share),
      );
      tally.print(started);
    });

    it("/health, /v1/discovery/health, /.well-known/muster-keys.json: any query and headers", async () => {
      const tally = new Tally("open endpoints");
      const started = Date.now();
      const request = fc.record({
        path: fc.constantFrom("/health", "/v1/discovery/health", "/.well-known/muster-keys.json"),
        method: fc.constantFrom("GET", "HEAD", "POST", "DELETE", "OPTIONS"),
        query,
        auth: authorization(TOKEN_A, TOKEN_B),
        extra: extraHeaders,
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          await read(
            {
              method: x.method,
              path: `${x.path}${x.query}`,
              headers: headersOf(x.auth, x.extra),
              body: "{}",
            },
            tally,
          );
        }),
        fuzzOptions(RUNS.open, share),
      );
      tally.print(started);
    });

    it("any method on any path: 404/405-like refusals in the error shape, never 5xx", async () => {
      const tally = new Tally("any route");
      const started = Date.now();
      const prefix = fc.constantFrom(
        "/",
        "/v1/",
        "/v1/services/",
        "/v1/services/fuzz/",
        "/v1/services/fuzz/instances/n-0/",
        "/v1/admin/",
        "/v1/admin/tokens/",
        "/.well-known/",
        "//",
        "/v1//services/",
      );
      const request = fc.record({
        method: fc.constantFrom(
          "GET",
          "HEAD",
          "POST",
          "PUT",
          "PATCH",
          "DELETE",
          "OPTIONS",
          "PROPFIND",
          "get",
        ),
        prefix,
        rest: fc.array(
          segment(["fuzz", "n-0", "heartbeats", "instances", "peers.json", "tokens"]),
          {
            maxLength: 4,
          },
        ),
        query,
        auth: authorization(TOKEN_A, TOKEN_B),
        body: fc.oneof(fc.constant(undefined), fc.json({ maxDepth: 3 })),
        extra: extraHeaders,
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const headers = headersOf(x.auth, x.extra);
          if (x.body !== undefined) headers.push(["Content-Type", "application/json"]);
          await read(
            {
              method: x.method,
              path: `${x.prefix}${x.rest.join("/")}${x.query}`,
              headers,
              ...(x.body !== undefined ? { body: x.body } : {}),
            },
            tally,
          );
        }),
        fuzzOptions(RUNS.anyRoute, share),
      );
      tally.print(started);
    });
  });
}
