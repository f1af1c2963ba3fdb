import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../engines/index.js";
import { TOKEN_A, TOKEN_B } from "../support/registry.js";
import { bodyText, nearlyValidHeartbeat } from "./bodies.js";
import {
  authorization,
  contentLength,
  contentType,
  extraHeaders,
  type FuzzRequest,
  fuzzOptions,
  fuzzRegistry,
  NOW,
  SEED,
  segment,
  sendChecked,
  Tally,
  toRequest,
} from "./support.js";

/** Run counts: every write reaches the store when its input is valid, so fewer than reads. */
const RUNS = { heartbeat: 1500, heartbeatStore: 1000, deregister: 1500, ownership: 400 };

const SERVICES = ["fuzz", "owned", "open"];
const A_IDS = ["a-0", "a-1", "a-2", "node-1"];
const ids = fc.oneof(
  fc.constantFrom(...A_IDS, "b-0", "b-1"),
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
);

/** The write properties, ownership included, on `engine`, at `share` of the full run counts. */
export function fuzzWrites(engine: Engine, share = 1): void {
  describe(`fuzz on ${engine.name}: writes never answer 5xx and never touch another token's instances`, () => {
    let r: Awaited<ReturnType<typeof fuzzRegistry>>;
    /** A's instances as registered: compared after every run of the ownership property. */
    const snapshot = new Map<string, unknown>();

    afterAll(() => r?.close());

    beforeAll(async () => {
      console.log(
        `fuzz writes on ${engine.name}: seed ${SEED}, runs ${JSON.stringify(RUNS)} (× FUZZ_RUNS × ${share})`,
      );
      r = await fuzzRegistry(engine);
      for (const id of A_IDS) {
        const res = await r.app.request("/v1/services/owned/heartbeats", {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
          body: JSON.stringify({ id, address: "10.1.0.1:7001", ttl: 3600, tags: ["a"] }),
        });
        expect(res.status).toBe(201);
        snapshot.set(id, await r.store.get("owned", id, NOW));
      }
    });

    const expectAUnchanged = async () => {
      for (const id of A_IDS) {
        expect(await r.store.get("owned", id, NOW), `A's ${id}`).toEqual(snapshot.get(id));
      }
    };

    it("POST heartbeats: any body, service, Content-Type, Content-Length, Authorization", async () => {
      const tally = new Tally("POST heartbeats");
      const started = Date.now();
      const request = fc
        .record({
          service: segment(SERVICES),
          body: bodyText(ids),
          auth: authorization(TOKEN_B, TOKEN_A),
          type: contentType,
          extra: extraHeaders,
        })
        .chain((x) => contentLength(x.body).map((length) => ({ ...x, length })));
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const headers: [string, string][] = x.auth.map((a) => ["Authorization", a]);
          if (x.type !== undefined) headers.push(["Content-Type", x.type]);
          if (x.length !== undefined) headers.push(["Content-Length", x.length]);
          headers.push(...x.extra);
          const path = `/v1/services/${x.service}/heartbeats`;
          await sendChecked(r.app, { method: "POST", path, headers, body: x.body }, tally);
        }),
        fuzzOptions(RUNS.heartbeat, share),
      );
      tally.print(started);
      await expectAUnchanged();
    });

    it("POST heartbeats that get to the store: well-formed requests, values at every edge", async () => {
      const tally = new Tally("POST heartbeats (store)");
      const started = Date.now();
      const request = fc.record({
        service: fc.constantFrom("fuzz", "store", "a", "x".repeat(63)),
        body: nearlyValidHeartbeat(ids),
        type: fc.constantFrom("application/json", "application/json; charset=utf-8"),
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const headers: [string, string][] = [
            ["Authorization", `Bearer ${TOKEN_B}`],
            ["Content-Type", x.type],
          ];
          const path = `/v1/services/${x.service}/heartbeats`;
          const body = JSON.stringify(x.body);
          await sendChecked(r.app, { method: "POST", path, headers, body }, tally);
        }),
        fuzzOptions(RUNS.heartbeatStore, share),
      );
      tally.print(started);
      await expectAUnchanged();
    });

    it("DELETE instances: any service, id and Authorization", async () => {
      const tally = new Tally("DELETE instances");
      const started = Date.now();
      const request = fc.record({
        service: segment(SERVICES),
        id: segment([...A_IDS, "b-0"]),
        auth: authorization(TOKEN_B, TOKEN_A),
        extra: extraHeaders,
      });
      await fc.assert(
        fc.asyncProperty(request, async (x) => {
          const headers = [
            ...x.auth.map((a): [string, string] => ["Authorization", a]),
            ...x.extra,
          ];
          const path = `/v1/services/${x.service}/instances/${x.id}`;
          await sendChecked(r.app, { method: "DELETE", path, headers }, tally);
        }),
        fuzzOptions(RUNS.deregister, share),
      );
      tally.print(started);
      await expectAUnchanged();
    });

    it("ownership: after any sequence of B's requests, A's instances are as A left them", async () => {
      const tally = new Tally("ownership (B's requests)");
      const started = Date.now();
      const bRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
        fc
          .record({
            body: nearlyValidHeartbeat(fc.constantFrom(...A_IDS)),
            service: fc.constantFrom("owned", "Owned", "owned.", "owned%00"),
            auth: authorization(TOKEN_B, TOKEN_A),
          })
          .map(
            (x): FuzzRequest => ({
              method: "POST",
              path: `/v1/services/${x.service}/heartbeats`,
              headers: [
                ["Content-Type", "application/json"],
                ...x.auth.map((a): [string, string] => ["Authorization", a]),
              ],
              body: JSON.stringify({ ...x.body, id: x.body.id }),
            }),
          ),
        fc
          .record({
            id: fc.oneof(
              fc.constantFrom(...A_IDS),
              fc.constantFrom(
                "A-0",
                "a-0%00",
                "a-0/",
                "a-0.",
                "%61-0",
                "a-0%2F..",
                " a-0",
                "a-0?x=1",
              ),
            ),
            auth: authorization(TOKEN_B, TOKEN_A),
          })
          .map(
            (x): FuzzRequest => ({
              method: "DELETE",
              path: `/v1/services/owned/instances/${x.id}`,
              headers: x.auth.map((a): [string, string] => ["Authorization", a]),
            }),
          ),
        fc
          .record({
            method: fc.constantFrom("PUT", "PATCH", "POST", "GET"),
            id: fc.constantFrom(...A_IDS),
          })
          .map(
            (x): FuzzRequest => ({
              method: x.method,
              path: `/v1/services/owned/instances/${x.id}`,
              headers: [
                ["Authorization", `Bearer ${TOKEN_B}`],
                ["Content-Type", "application/json"],
              ],
              body: JSON.stringify({ id: x.id, address: "6.6.6.6:1" }),
            }),
          ),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bRequest, { minLength: 1, maxLength: 8 }), async (sequence) => {
          for (const step of sequence) {
            // A's token reaches the app only joined to B's in one header, never alone.
            expect(toRequest(step)?.headers.get("authorization")).not.toBe(`Bearer ${TOKEN_A}`);
            await sendChecked(r.app, step, tally, true);
          }
          await expectAUnchanged();
        }),
        fuzzOptions(RUNS.ownership, share),
      );
      tally.print(started);
    });
  });
}
