import { describe, expect, it } from "vitest";
import type { Engine } from "../engines/index.js";
import { json, TOKEN_A } from "../support/registry.js";
import { fuzzRegistry } from "./support.js";

/** Minimal cases the fuzz suite found, kept as plain tests, on `engine`. */
export function fuzzRegressions(engine: Engine): void {
  describe(`fuzz regressions on ${engine.name}`, () => {
    it("refuses a body over 16 KiB with 413 even when Content-Length understates it", async () => {
      // In process (and on Lambda, where the body arrives whole) nothing but the app checks
      // Content-Length against the body: hono's bodyLimit trusts the header when it is there.
      const r = await fuzzRegistry(engine);
      const metadata = Object.fromEntries(
        Array.from({ length: 32 }, (_, i) => [`k${i}`, "v".repeat(512)]),
      );
      const body = JSON.stringify({ id: "big", address: "10.0.0.1:7001", metadata });
      expect(Buffer.byteLength(body)).toBeGreaterThan(16 * 1024);
      const res = await r.app.request("/v1/services/fuzz/heartbeats", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${TOKEN_A}`,
          "Content-Type": "application/json",
          "Content-Length": "100",
        },
        body,
      });
      expect(res.status).toBe(413);
      expect((await json(res)).error.code).toBe("payload_too_large");
    });
  });
}
