import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLocal, startLocal, stopLocal } from "../support/local-server.js";
import { selfSigned } from "../support/tls.js";

const TOKEN = "serve-test-token-0123456789";

/** `muster serve` to its end, with the test token unless `env` says otherwise. */
const run = (env: Record<string, string>) => runLocal({ MUSTER_TOKENS: TOKEN, ...env });

/**
 * The refusal is one line starting "muster: " (after any log lines of what the start did
 * first), with no stack trace, and the data folder is not left locked.
 */
function expectOneLine(result: { code: number | null; output: string }, dataDir?: string) {
  // A refusal's own status (EX_CONFIG), apart from a crash's 1: local/exit-status.ts.
  expect(result.code).toBe(78);
  const logLine = /^\d{4}-\d\d-\d\dT\S+ (info|warn) /;
  const lines = result.output
    .trim()
    .split("\n")
    .filter((l) => !logLine.test(l));
  expect(lines, result.output).toHaveLength(1);
  expect(lines[0]).toMatch(/^muster: /);
  if (dataDir) expect(existsSync(join(dataDir, "lock"))).toBe(false);
  return lines[0] as string;
}

describe("muster serve", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-serve-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("stops on SIGTERM and on SIGINT sent to the pid it was started as, releasing the lock", async () => {
    const dataDir = await tempDir();
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const server = await startLocal({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: TOKEN });
      expect(existsSync(join(dataDir, "lock"))).toBe(true);
      expect(await stopLocal(server, signal)).toBe(0);
      expect(server.stderr()).toContain(`${signal}: shutting down`);
      expect(existsSync(join(dataDir, "lock"))).toBe(false);
    }
  });

  it("keeps the data folder owner-only, tightening one made with looser modes", async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, "notes"), "x", { mode: 0o644 });
    const server = await startLocal({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    const token = (await readFile(join(dataDir, "token"), "utf8")).trim();
    const res = await fetch(`${server.url}/v1/services/a/heartbeats`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id: "n1", address: "10.0.0.1:80" }),
    });
    expect(res.status).toBe(201);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const files = [
      "muster.db",
      "muster.db-wal",
      "muster.db-shm",
      "token",
      "signing-keys.json",
      "presign-keys.json",
      "lock",
      "notes",
    ];
    for (const name of files) {
      expect((await stat(join(dataDir, name))).mode & 0o777, name).toBe(0o600);
    }
    expect(await stopLocal(server)).toBe(0);
  });

  it("refuses a taken port in one line naming it", async () => {
    const dataDir = await tempDir();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as { port: number };
    try {
      const result = await run({ MUSTER_DATA_DIR: dataDir, PORT: String(port) });
      expect(expectOneLine(result, dataDir)).toContain(
        `port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("refuses a data folder it cannot write", async () => {
    const parent = await tempDir();
    await writeFile(join(parent, "a-file"), "");
    const dataDir = join(parent, "a-file", "data");
    const line = expectOneLine(await run({ MUSTER_DATA_DIR: dataDir }));
    expect(line).toContain(`data folder ${dataDir} is not writable`);
  });

  it("refuses a damaged database, naming the file and what to do, and starts nothing", async () => {
    const dataDir = await tempDir();
    const db = join(dataDir, "muster.db");
    // Not a database at all.
    await writeFile(
      db,
      "this is not an SQLite file, but it is long enough to have a header.".repeat(4),
    );
    let line = expectOneLine(await run({ MUSTER_DATA_DIR: dataDir }), dataDir);
    expect(line).toContain(`${db} is damaged`);
    expect(line).toContain("restore it from a backup");

    // A real database cut short, as a full disk or a bad copy leaves it.
    await rm(db);
    const server = await startLocal({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: TOKEN });
    for (let i = 0; i < 200; i++) {
      await fetch(`${server.url}/v1/services/a/heartbeats`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          id: `n${i}`,
          address: "10.0.0.1:80",
          metadata: { pad: "x".repeat(400) },
        }),
      });
    }
    expect(await stopLocal(server)).toBe(0);
    await rm(`${db}-wal`, { force: true });
    await rm(`${db}-shm`, { force: true });
    const size = (await stat(db)).size;
    expect(size).toBeGreaterThan(8192);
    await truncate(db, Math.floor(size / 2));
    line = expectOneLine(await run({ MUSTER_DATA_DIR: dataDir }), dataDir);
    expect(line).toContain(`${db} is damaged`);
  });

  it("refuses bad key and token files, naming the file", async () => {
    const dataDir = await tempDir();
    const keys = join(dataDir, "signing-keys.json");
    await writeFile(keys, "{ not json", { mode: 0o600 });
    expect(expectOneLine(await run({ MUSTER_DATA_DIR: dataDir }), dataDir)).toContain(keys);
    await rm(keys);

    const presign = join(dataDir, "presign-keys.json");
    await writeFile(presign, '{"k1": 5}', { mode: 0o600 });
    expect(expectOneLine(await run({ MUSTER_DATA_DIR: dataDir }), dataDir)).toContain(presign);
    await rm(presign);

    const token = join(dataDir, "token");
    // Shorter than a token muster makes: a guessable secret is not served.
    await writeFile(token, "mst_short\n", { mode: 0o600 });
    const line = expectOneLine(await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" }), dataDir);
    expect(line).toContain(token);
    expect(line).not.toContain("mst_short");
  });

  it("claims its ports before it writes anything: a refused start leaves no data folder or token", async () => {
    const parent = await tempDir();
    const dataDir = join(parent, "new", "data");
    const tcp: Server = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const { port } = tcp.address() as { port: number };
    const udp = createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const dnsPort = udp.address().port;
    try {
      let line = expectOneLine(
        await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "", PORT: String(port) }),
      );
      expect(line).toContain(`port ${port} on 127.0.0.1 is already in use`);
      line = expectOneLine(
        await run({
          MUSTER_DATA_DIR: dataDir,
          MUSTER_TOKENS: "",
          MUSTER_DNS_PORT: String(dnsPort),
        }),
      );
      expect(line).toBe(
        `muster: DNS port ${dnsPort} on 127.0.0.1 is already in use (UDP): stop what holds it (on 5353, often avahi-daemon, the mDNS responder), or set MUSTER_DNS_PORT to a free port`,
      );
      expect(existsSync(join(parent, "new"))).toBe(false);

      // A failure after the folder is made (a DynamoDB endpoint nothing answers on, here a
      // port just closed): the folder goes again, with the token and keys made in it.
      const closed: Server = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      const failed = await run({
        MUSTER_DATA_DIR: dataDir,
        MUSTER_TOKENS: "",
        MUSTER_STORE: "dynamodb",
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closedPort}`,
        AWS_MAX_ATTEMPTS: "1",
      });
      expect(failed.code, failed.output).not.toBe(0);
      expect(failed.output).toMatch(/^muster: /m);
      expect(existsSync(join(parent, "new"))).toBe(false);

      // An existing folder stays, without the token this start made.
      const existing = await tempDir();
      expectOneLine(
        await run({ MUSTER_DATA_DIR: existing, MUSTER_TOKENS: "", PORT: String(port) }),
        existing,
      );
      expect(existsSync(existing)).toBe(true);
      expect(existsSync(join(existing, "token"))).toBe(false);
    } finally {
      await new Promise((resolve) => tcp.close(resolve));
      udp.close();
    }
  });

  it("refuses TLS files it cannot use in one line naming them and what to do", async () => {
    const dataDir = await tempDir();
    const missing = join(dataDir, "nope.pem");
    let line = expectOneLine(
      await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TLS_CERT: missing, MUSTER_TLS_KEY: missing }),
    );
    expect(line).toBe(
      `muster: MUSTER_TLS_CERT: cannot read ${missing} (ENOENT): give the path of a PEM file (docs/dns.md#https-in-local-mode shows how to make them), or unset MUSTER_TLS_CERT and MUSTER_TLS_KEY for plain HTTP`,
    );
    const notPem = join(dataDir, "not.pem");
    await writeFile(notPem, "hello\n");
    line = expectOneLine(
      await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TLS_CERT: notPem, MUSTER_TLS_KEY: notPem }),
    );
    expect(line).toMatch(
      /^muster: MUSTER_TLS_CERT \S+not\.pem and MUSTER_TLS_KEY \S+not\.pem are not a PEM certificate and its private key \(.+\): docs\/dns\.md#https-in-local-mode shows how to make them$/,
    );
    // A key that is not the certificate's.
    const one = await selfSigned(await tempDir());
    const two = await selfSigned(await tempDir());
    line = expectOneLine(
      await run({ MUSTER_DATA_DIR: dataDir, MUSTER_TLS_CERT: one.cert, MUSTER_TLS_KEY: two.key }),
    );
    expect(line).toContain("are not a PEM certificate and its private key (");
    expect(line).toMatch(/key values mismatch/);
  });
});
