import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { run, testCa } from "../support/tls.js";

const TOKEN = "tls-no-alpn-token-0123456789abcdef";

/** curl over TLS with the test CA; the HTTP version and status of its answer. */
async function curl(ca: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    "curl",
    [
      "-s",
      "-o",
      "/dev/null",
      "--max-time",
      "10",
      "--cacert",
      ca,
      "-w",
      "%{http_version} %{http_code}",
      ...args,
    ],
    { timeout: 20_000 },
  );
  return stdout;
}

describe("HTTPS local mode: ALPN h2 and http/1.1, and no ALPN at all told apart by the first bytes", () => {
  let dir: string;
  let ca: Awaited<ReturnType<typeof testCa>>;
  let server: LocalServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-no-alpn-"));
    ca = await testCa(dir);
    server = await startLocal({
      MUSTER_DATA_DIR: join(dir, "data"),
      MUSTER_TOKENS: TOKEN,
      MUSTER_TLS_CERT: ca.cert,
      MUSTER_TLS_KEY: ca.key,
    });
  }, 60_000);

  afterAll(async () => {
    if (server) await stopLocal(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers every combination a client can open with", async () => {
    const url = `${server.url}/health`;
    expect(await curl(ca.ca, ["--http2", url])).toBe("2 200");
    expect(await curl(ca.ca, ["--http1.1", url])).toBe("1.1 200");
    // No ALPN extension: HTTP/2 with prior knowledge (Blixard's client), or plain HTTP/1.1.
    expect(await curl(ca.ca, ["--no-alpn", "--http2-prior-knowledge", url])).toBe("2 200");
    expect(await curl(ca.ca, ["--no-alpn", "--http1.1", url])).toBe("1.1 200");
    // An authorised read too.
    const { stdout } = await run("curl", [
      "-s",
      "--max-time",
      "10",
      "--cacert",
      ca.ca,
      "--no-alpn",
      "--http2-prior-knowledge",
      "-H",
      `Authorization: Bearer ${TOKEN}`,
      `${server.url}/v1/services`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ services: [] });
  });

  it("stops promptly on SIGTERM with a no-ALPN connection that has sent nothing", async () => {
    const port = Number(new URL(server.url).port);
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: await readFile(ca.ca),
      servername: "localhost",
    });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("secureConnect", () => resolve()));
    expect(socket.alpnProtocol).toBe(false);
    const started = Date.now();
    expect(await stopLocal(server)).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    socket.destroy();
  });
});
