import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { describe, expect, it } from "vitest";
import { execCheck } from "./exec.js";
import { httpCheck } from "./http.js";
import { tcpCheck } from "./tcp.js";

const within = (ms: number) => AbortSignal.timeout(ms);

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

describe("health checks", () => {
  it("http: 2xx passing, 429 warning, other critical, no answer critical", async () => {
    let status = 200;
    const server = createServer((_req, res) => {
      if (status === 0) return; // never answers
      res.writeHead(status).end("body");
    });
    const url = `http://127.0.0.1:${await listen(server)}/health`;
    const check = httpCheck(url);
    try {
      const seen: string[] = [];
      for (const s of [200, 204, 429, 500, 404, 0]) {
        status = s;
        seen.push((await check(within(300))).status);
      }
      expect(seen).toEqual(["passing", "passing", "warning", "critical", "critical", "critical"]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(await check(within(1000))).toMatchObject({ status: "critical" });
  });

  it("tcp: passing while something listens, critical once it stops", async () => {
    const server = createTcpServer((socket) => socket.end());
    const address = `127.0.0.1:${await listen(server)}`;
    const check = tcpCheck(address);
    expect(await check(within(1000))).toEqual({
      status: "passing",
      output: `${address}: connected`,
    });
    await new Promise((r) => server.close(r));
    expect(await check(within(1000))).toEqual({
      status: "critical",
      output: `${address}: ECONNREFUSED`,
    });
    expect(() => tcpCheck("no-port")).toThrow(TypeError);
  });

  it("exec: exit 0 passing, 1 warning, other critical, and a timeout kills the whole group", async () => {
    expect((await execCheck("exit 0")(within(2000))).status).toBe("passing");
    expect(await execCheck("echo slow down; exit 1")(within(2000))).toEqual({
      status: "warning",
      output: "echo slow down; exit 1: exit 1: slow down",
    });
    expect((await execCheck("exit 2")(within(2000))).status).toBe("critical");
    expect((await execCheck("/nonexistent/command")(within(2000))).status).toBe("critical");
    const started = Date.now();
    // `sleep` runs as the shell's child: only killing the process group ends it in time.
    const slow = await execCheck("sleep 5; sleep 5")(within(200));
    expect(slow.status).toBe("critical");
    expect(slow.output).toContain("timed out");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
