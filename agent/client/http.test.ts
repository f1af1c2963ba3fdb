import { describe, expect, it } from "vitest";
import { retryAfter } from "./http.js";

describe("retryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(retryAfter("4")).toBe(4);
    expect(retryAfter(" 0 ")).toBe(0);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10);
    expect(retryAfter("Thu, 01 Jan 2025 00:00:10 GMT", now)).toBe(0);
    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter("soon")).toBeUndefined();
  });
});

describe("send", () => {
  it("maps the registry's error body, Retry-After, refusals and timeouts", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => {
      if (req.url === "/busy") {
        res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "7" });
        res.end(JSON.stringify({ error: { code: "store_unavailable", message: "try later" } }));
      } else if (req.url === "/proxy") {
        res.writeHead(502, { "Content-Type": "text/html" });
        res.end("<html>bad gateway</html>");
      } else if (req.url === "/slow") {
        setTimeout(() => res.end("late"), 2000).unref();
      } else {
        res.end("ok");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const { RegistryError, UnreachableError, send } = await import("./http.js");
    try {
      expect((await send(`${base}/`, { timeoutMs: 1000 })).text).toBe("ok");
      const busy = await send(`${base}/busy`, { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(RegistryError);
      expect(busy).toMatchObject({ status: 503, code: "store_unavailable", retryAfterSeconds: 7 });
      expect(
        await send(`${base}/proxy`, { timeoutMs: 1000 }).catch((e: unknown) => e),
      ).toMatchObject({ status: 502, code: "http_502" });
      const slow = await send(`${base}/slow`, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(slow).toBeInstanceOf(UnreachableError);
      expect(String(slow)).toContain("no answer within 100 ms");
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    const refused = await send(`${base}/`, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnreachableError);
    // A kept-alive socket may be found closed before a new connect is refused; either way it is
    // "unreachable", and the message says which.
    expect(String(refused)).toMatch(/ECONNREFUSED|other side closed/);
  });
});
