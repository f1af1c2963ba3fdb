import { Resolver } from "node:dns/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { h2Client, run, selfSigned } from "../support/tls.js";

const TOKEN = "dns-test-token-0123456789abcdef";
const ZONE = "muster.internal";
/** Enough SRV records that no UDP answer holds them (about 70 bytes each). */
const BIG = 300;

/** dig with bounded waits; returns its whole output. */
async function dig(args: string[]): Promise<string> {
  const { stdout } = await run("dig", ["+time=5", "+tries=1", "+norecurse", ...args], {
    timeout: 30_000,
  });
  return stdout;
}

/** The records of dig's ANSWER section, as `name ttl class type rdata...`. */
function answerSection(output: string): string[] {
  const match = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(output);
  return (match?.[1] ?? "")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(/\s+/).join(" "));
}

describe("muster's DNS through real clients: dig, c-ares (node:dns) and curl", () => {
  let dir: string;
  let server: LocalServer;
  let dnsPort: number;
  let origin: string;
  let tls: Awaited<ReturnType<typeof selfSigned>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-dns-"));
    tls = await selfSigned(dir);
    server = await startLocal({
      MUSTER_DATA_DIR: join(dir, "data"),
      MUSTER_TOKENS: TOKEN,
      MUSTER_PUBLIC_SERVICES: "web,big",
      MUSTER_DNS_PORT: "0",
      MUSTER_TLS_CERT: tls.cert,
      MUSTER_TLS_KEY: tls.key,
    });
    origin = server.url;
    expect(origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    dnsPort = Number(/dns listening on 127\.0\.0\.1:(\d+)/.exec(server.stderr())?.[1]);
    expect(dnsPort).toBeGreaterThan(0);

    const client = h2Client(origin, tls.pem);
    const beat = async (service: string, body: Record<string, unknown>) => {
      const res = await client.request(
        "POST",
        `/v1/services/${service}/heartbeats`,
        { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        JSON.stringify({ ttl: 3600, ...body }),
      );
      if (res.status !== 201) throw new Error(`heartbeat ${service}: ${res.status} ${res.body}`);
    };
    const port = new URL(origin).port;
    // node-1 points at muster itself, so curl can fetch through the name it resolves.
    await beat("web", { id: "node-1", address: `127.0.0.1:${port}`, weight: 5 });
    await beat("web", { id: "node-2", address: "10.0.0.2:8080", status: "warning" });
    await beat("web", { id: "db-1", address: "db1.example.internal:5432" });
    await beat("secret", { id: "s-1", address: "10.9.0.1:1" });
    // Bounded: BIG heartbeats, 20 at a time, over one HTTP/2 connection.
    const ids = Array.from({ length: BIG }, (_, i) => i);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids
          .slice(i, i + 20)
          .map((n) => beat("big", { id: `b-${n}`, address: `10.1.${n >> 8}.${n & 255}:7000` })),
      );
    }
    await client.close();
  }, 120_000);

  afterAll(async () => {
    if (server) expect(await stopLocal(server)).toBe(0);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("dig over UDP: SRV with targets under the zone, A records, NXDOMAIN with the SOA", async () => {
    const srv = await dig(["@127.0.0.1", "-p", String(dnsPort), `_web._tcp.${ZONE}`, "SRV"]);
    expect(srv).toMatch(/status: NOERROR/);
    expect(srv).toMatch(/flags: qr aa;/);
    const port = new URL(origin).port;
    expect(answerSection(srv).sort()).toEqual([
      `_web._tcp.${ZONE}. 5 IN SRV 0 1 5432 db1.example.internal.`,
      `_web._tcp.${ZONE}. 5 IN SRV 0 5 ${port} node-1.web.${ZONE}.`,
      `_web._tcp.${ZONE}. 5 IN SRV 1 1 8080 node-2.web.${ZONE}.`,
    ]);
    const a = await dig(["@127.0.0.1", "-p", String(dnsPort), `node-1.web.${ZONE}`, "A"]);
    expect(answerSection(a)).toEqual([`node-1.web.${ZONE}. 5 IN A 127.0.0.1`]);
    const missing = await dig(["@127.0.0.1", "-p", String(dnsPort), `node-9.web.${ZONE}`, "A"]);
    expect(missing).toMatch(/status: NXDOMAIN/);
    expect(missing).toMatch(
      new RegExp(`;; AUTHORITY SECTION:\\n${ZONE.replace(".", "\\.")}\\.\\s+5\\s+IN\\s+SOA`),
    );
    const nodata = await dig(["@127.0.0.1", "-p", String(dnsPort), `node-1.web.${ZONE}`, "AAAA"]);
    expect(nodata).toMatch(/status: NOERROR/);
    expect(nodata).toMatch(/ANSWER: 0, AUTHORITY: 1/);
  });

  it("plain DNS answers public services only: a private one is NXDOMAIN, as if absent; REFUSED only outside the zone", async () => {
    const out = await dig(["@127.0.0.1", "-p", String(dnsPort), `_secret._tcp.${ZONE}`, "SRV"]);
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(
      new RegExp(`;; AUTHORITY SECTION:\\n${ZONE.replace(".", "\\.")}\\.\\s+5\\s+IN\\s+SOA`),
    );
    const outside = await dig(["@127.0.0.1", "-p", String(dnsPort), "example.com", "A"]);
    expect(outside).toMatch(/status: REFUSED/);
    expect(outside).toMatch(/AUTHORITY: 0/);
  });

  it("dig +tcp answers the same records", async () => {
    const out = await dig(["@127.0.0.1", "-p", String(dnsPort), "+tcp", `web.${ZONE}`, "A"]);
    expect(answerSection(out)).toEqual([`web.${ZONE}. 5 IN A 127.0.0.1`]);
  });

  it("a large service sets TC over UDP, and comes whole over TCP (dig retrying, and +tcp)", async () => {
    const udp = await dig([
      "@127.0.0.1",
      "-p",
      String(dnsPort),
      "+ignore",
      `_big._tcp.${ZONE}`,
      "SRV",
    ]);
    expect(udp).toMatch(/flags: qr aa tc;/);
    expect(answerSection(udp)).toEqual([]);
    const retried = await dig(["@127.0.0.1", "-p", String(dnsPort), `_big._tcp.${ZONE}`, "SRV"]);
    expect(retried).toMatch(/Truncated, retrying in TCP mode/);
    expect(answerSection(retried)).toHaveLength(BIG);
    const tcp = await dig([
      "@127.0.0.1",
      "-p",
      String(dnsPort),
      "+tcp",
      `_big._tcp.${ZONE}`,
      "SRV",
    ]);
    expect(answerSection(tcp)).toHaveLength(BIG);
  });

  it("node:dns (c-ares) resolves SRV and A over UDP, falling back to TCP for the large service", async () => {
    const resolver = new Resolver({ timeout: 5_000, tries: 1 });
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
    const web = await resolver.resolveSrv(`_web._tcp.${ZONE}`);
    expect(web.map((r) => r.name).sort()).toEqual([
      "db1.example.internal",
      `node-1.web.${ZONE}`,
      `node-2.web.${ZONE}`,
    ]);
    expect(await resolver.resolve4(`web.${ZONE}`)).toEqual(["127.0.0.1"]);
    const big = await resolver.resolveSrv(`_big._tcp.${ZONE}`);
    expect(big).toHaveLength(BIG);
    expect(new Set(big.map((r) => r.name)).size).toBe(BIG);
    await expect(resolver.resolve4(`nope.web.${ZONE}`)).rejects.toMatchObject({
      code: "ENOTFOUND",
    });
  });

  it("dig +https (DNS over HTTPS, HTTP/2) against muster's HTTPS port, trusting the test CA", async () => {
    const port = new URL(origin).port;
    for (const [mode, shown] of [
      ["+https", "(HTTPS)"],
      ["+https-get", "(HTTPS-GET)"],
    ] as const) {
      const out = await dig([
        "@127.0.0.1",
        "-p",
        port,
        mode,
        `+tls-ca=${tls.cert}`,
        `_web._tcp.${ZONE}`,
        "SRV",
      ]);
      expect(out, mode).toMatch(/status: NOERROR/);
      expect(out).toContain(shown);
      expect(answerSection(out)).toHaveLength(3);
    }
  });

  it("dig +https refuses a server whose certificate the CA it was given did not sign", async () => {
    const otherDir = await mkdtemp(join(tmpdir(), "muster-other-ca-"));
    try {
      const other = await selfSigned(otherDir);
      const port = new URL(origin).port;
      const failed = await dig([
        "@127.0.0.1",
        "-p",
        port,
        "+https",
        `+tls-ca=${other.cert}`,
        `_web._tcp.${ZONE}`,
        "SRV",
      ]).then(
        (out) => out,
        (err: { stdout?: string }) => err.stdout ?? "",
      );
      expect(failed).not.toMatch(/status: NOERROR/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("curl --doh-url resolves an instance's name through muster's DoH and fetches from it", async () => {
    const port = new URL(origin).port;
    const { stdout } = await run(
      "curl",
      [
        "--silent",
        "--show-error",
        "--fail",
        "--max-time",
        "20",
        "--doh-url",
        `${origin}/dns-query`,
        "--doh-insecure",
        // The name is ours, the certificate is for 127.0.0.1: the target is not verified.
        "--insecure",
        "--write-out",
        "\\n%{remote_ip} %{http_version}",
        `https://node-1.web.${ZONE}:${port}/health`,
      ],
      { timeout: 30_000 },
    );
    const [body, meta] = stdout.split("\n");
    expect(JSON.parse(body ?? "")).toMatchObject({ status: "ok" });
    expect(meta).toBe("127.0.0.1 2");
  });

  it("serves HTTP/1.1 and HTTP/2 on the one HTTPS port, and mints https join URLs", async () => {
    for (const [flag, version] of [
      ["--http1.1", "1.1"],
      ["--http2", "2"],
    ]) {
      const { stdout } = await run(
        "curl",
        [
          "-s",
          "--fail",
          "--cacert",
          tls.cert,
          flag as string,
          "-o",
          "/dev/null",
          "-w",
          "%{http_version}",
          `${origin}/health`,
        ],
        { timeout: 30_000 },
      );
      expect(stdout).toBe(version);
    }
    const client = h2Client(origin, tls.pem);
    const minted = await client.request(
      "POST",
      "/v1/admin/presign",
      { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      JSON.stringify({ service: "web", file: "peers.txt", ttl: 600 }),
    );
    await client.close();
    expect(minted.status).toBe(201);
    expect(JSON.parse(minted.body).url.startsWith(`${origin}/v1/services/web/peers.txt?`)).toBe(
      true,
    );
  });
});
