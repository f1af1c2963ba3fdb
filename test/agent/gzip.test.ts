import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../agent/client/http.js";

describe("the agent's HTTP client and gzip", () => {
  const seen: IncomingHttpHeaders[] = [];
  const body = JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ node_id: i })));
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
    res.end(gzipSync(body));
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/services/s/peers.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("asks for gzip and hands back the decoded body", async () => {
    const answer = await send(url, { timeoutMs: 5000, headers: { authorization: "Bearer x" } });
    expect(seen.at(-1)?.["accept-encoding"]).toContain("gzip");
    expect(seen.at(-1)?.authorization).toBe("Bearer x");
    expect(answer.text).toBe(body);
  });
});
