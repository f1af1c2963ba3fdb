import { connect } from "node:net";
import * as packet from "dns-packet";
import { describe, expect, it } from "vitest";
import { startDnsServer } from "../../local/dns-server.js";
import { tlsServe } from "../../local/tls.js";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { DynamoStore } from "../../shared/store/dynamodb/store.js";
import { engine } from "../engines/index.js";
import { freshStorage } from "../support/stores.js";
import { run } from "../support/tls.js";

/** Sends `count` length-prefixed queries in one write; resolves with the answers' ids, or on close. */
function pipeline(port: number, count: number): Promise<{ ids: number[]; closed: boolean }> {
  const frames = Array.from({ length: count }, (_, i) => {
    const q = packet.encode({
      type: "query",
      id: i + 1,
      questions: [{ type: "A", name: `web.muster.internal` }],
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(q.length);
    return Buffer.concat([prefix, q]);
  });
  return new Promise((resolve, reject) => {
    const ids: number[] = [];
    let buffer = Buffer.alloc(0);
    const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.concat(frames)));
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        ids.push(packet.decode(buffer.subarray(2, 2 + length)).id ?? -1);
        buffer = buffer.subarray(2 + length);
      }
      if (ids.length === count) {
        socket.end();
        resolve({ ids, closed: false });
      }
    });
    socket.on("close", () => resolve({ ids, closed: true }));
  });
}

describe("local DNS server configuration and faults", () => {
  it("answers SERVFAIL over UDP and TCP while the store is down (fault injected: no engine listening)", async () => {
    const client = createDynamoClient({
      endpoint: "http://127.0.0.1:1",
      region: "local",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const store = new DynamoStore({ client, tableName: "muster" });
    const warnings: string[] = [];
    const server = await startDnsServer({
      host: "127.0.0.1",
      port: 0,
      source: { mayRead: () => true, list: (s) => store.list(s, Date.now()) },
      zone: { zone: "muster.internal", ttl: 5, now: Date.now },
      warn: (message) => warnings.push(message),
    });
    try {
      for (const transport of ["+notcp", "+tcp"]) {
        const { stdout } = await run(
          "dig",
          [
            "@127.0.0.1",
            "-p",
            String(server.port),
            transport,
            "+time=5",
            "+tries=1",
            "web.muster.internal",
            "A",
          ],
          { timeout: 30_000 },
        );
        expect(stdout, transport).toMatch(/status: SERVFAIL/);
      }
      expect(warnings.length).toBeGreaterThan(0);
      // Nothing is read for a name outside the zone: it is refused, store or no store.
      const { stdout } = await run(
        "dig",
        ["@127.0.0.1", "-p", String(server.port), "+time=5", "+tries=1", "example.com", "A"],
        { timeout: 30_000 },
      );
      expect(stdout).toMatch(/status: REFUSED/);
    } finally {
      await server.close();
      client.destroy();
    }
  });

  it("answers 200 pipelined TCP queries in order, however many arrive at once", async () => {
    const { store } = await freshStorage(engine("sqlite"));
    const server = await startDnsServer({
      host: "127.0.0.1",
      port: 0,
      source: { mayRead: () => true, list: (s) => store.list(s, Date.now()) },
      zone: { zone: "muster.internal", ttl: 5, now: Date.now },
    });
    try {
      expect(await pipeline(server.port, 5)).toEqual({ ids: [1, 2, 3, 4, 5], closed: false });
      const many = await pipeline(server.port, 200);
      expect(many).toEqual({ ids: Array.from({ length: 200 }, (_, i) => i + 1), closed: false });
    } finally {
      await server.close();
    }
  });

  // What MUSTER_DNS_PORT, MUSTER_DNS_HOST, MUSTER_DNS_ZONE and the TLS pair may be:
  // shared/settings/local.test.ts and dns.test.ts.
  it("names the TLS file it cannot read", () => {
    expect(() => tlsServe({ cert: "/nope/c.pem", key: "/nope/k.pem" })).toThrow(
      /MUSTER_TLS_CERT: cannot read/,
    );
  });
});
