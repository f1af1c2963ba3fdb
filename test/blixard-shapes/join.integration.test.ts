import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  buildAgent,
  removeAgent,
  spawnAgent,
  waitFor,
} from "../agent/support.js";
import { assertBlixardBinary, blixard, blixardJson } from "../support/blixard-client.js";
import { irohHexId, irohNodeId } from "../support/iroh-keys.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { run, testCa } from "../support/tls.js";

const TOKEN = "blixard-join-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

interface Joined {
  url: string;
  http_version: string;
  node_id: number;
  key: string;
  addresses: string[];
}

/** Node 1 leads; node 2 follows. What every join below must be told. */
const LEADER = { node_id: 1, key: irohHexId(1), addresses: ["192.168.1.11:7001", "10.0.0.1:7001"] };

async function registerAndMint(url: string, ca?: string): Promise<string> {
  // Node's fetch trusts the test CA through NODE_EXTRA_CA_CERTS only at start: curl here.
  const post = async (path: string, body: unknown) => {
    const args = ["-s", "--max-time", "10", "-X", "POST", `${url}${path}`];
    if (ca) args.push("--cacert", ca);
    for (const [k, v] of Object.entries({ ...AUTH, "Content-Type": "application/json" })) {
      args.push("-H", `${k}: ${v}`);
    }
    const { stdout } = await run("curl", [...args, "-d", JSON.stringify(body)]);
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  for (const n of [1, 2]) {
    const beat = await post("/v1/services/blixard/heartbeats", {
      id: `node-${n}`,
      address: `192.168.1.${10 + n}:7001`,
      cluster_node_id: n,
      iroh_node_id: irohNodeId(n),
      direct_addresses: [`192.168.1.${10 + n}:7001`, `10.0.0.${n}:7001`],
      metadata: n === 1 ? { raft_role: "leader" } : {},
      ttl: 3600,
    });
    expect(beat.id).toBe(`node-${n}`);
  }
  const minted = await post("/v1/admin/presign", {
    service: "blixard",
    file: "bootstrap",
    ttl: 3600,
  });
  return minted.url as string;
}

/**
 * Blixard's own join client (test/blixard-shapes/src/join.rs: reqwest 0.11.27 with Blixard's
 * features, default-tls = native-tls and json, built as its HTTP client pool builds it, with
 * `http2_prior_knowledge()`) against local mode over h2c and over TLS, and through
 * `muster-agent bootstrap` in front of an HTTPS registry.
 */
describe("Blixard's join client (reqwest 0.11, native-tls, HTTP/2 prior knowledge)", () => {
  let dir: string;
  let ca: Awaited<ReturnType<typeof testCa>>;
  let plain: LocalServer;
  let https: LocalServer;
  let plainJoin: string;
  let httpsJoin: string;
  let bundle: string;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    assertBlixardBinary();
    dir = await mkdtemp(join(tmpdir(), "muster-blixard-join-"));
    ca = await testCa(dir);
    [plain, https, bundle] = await Promise.all([
      startLocal({ MUSTER_DATA_DIR: join(dir, "plain"), MUSTER_TOKENS: TOKEN }),
      startLocal({
        MUSTER_DATA_DIR: join(dir, "https"),
        MUSTER_TOKENS: TOKEN,
        MUSTER_TLS_CERT: ca.cert,
        MUSTER_TLS_KEY: ca.key,
      }),
      buildAgent(),
    ]);
    expect(https.url).toMatch(/^https:/);
    [plainJoin, httpsJoin] = await Promise.all([
      registerAndMint(plain.url),
      registerAndMint(https.url, ca.ca),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    for (const s of [plain, https]) if (s) await stopLocal(s);
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("joins local mode over h2c: the join URL as minted, with a trailing /, and with /bootstrap", async () => {
    for (const address of [plainJoin, `${plainJoin}/`, `${plainJoin}/bootstrap`]) {
      const joined = await blixardJson<Joined>(["join", address]);
      expect(joined).toMatchObject({ ...LEADER, http_version: "HTTP/2.0" });
      expect(joined.url).toBe(`${plainJoin}/bootstrap`);
    }
  });

  it("joins local mode over HTTPS trusting a test CA, HTTP/2 on a connection with no ALPN", async () => {
    const env = { SSL_CERT_FILE: ca.ca };
    const joined = await blixardJson<Joined>(["join", httpsJoin], env);
    expect(joined).toMatchObject({ ...LEADER, http_version: "HTTP/2.0" });

    // What the client offers, seen by a TLS server that records it: curl offers h2 and
    // http/1.1; Blixard's client no ALPN extension at all (native-tls without native-tls-alpn).
    const offered: (string[] | "none")[] = [];
    const probe = createTlsServer({
      cert: await readFile(ca.cert),
      key: await readFile(ca.key),
      ALPNCallback: ({ protocols }) => {
        offered.push(protocols);
        return undefined;
      },
    });
    probe.on("secureConnection", (socket) => {
      if (socket.alpnProtocol === false && offered.length === 0) offered.push("none");
      socket.destroy();
    });
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    try {
      const failed = await blixard(["join", `https://127.0.0.1:${port}/x`], env);
      expect(failed.code).toBe(1);
      expect(offered).toEqual(["none"]);
      await run("curl", [
        "-s",
        "--max-time",
        "5",
        "--cacert",
        ca.ca,
        `https://127.0.0.1:${port}/`,
      ]).catch(() => undefined);
      expect(offered[1]).toEqual(["h2", "http/1.1"]);
    } finally {
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    }
  });

  const relay = async (args: string[], env: Record<string, string> = {}) => {
    const agent = spawnAgent(bundle, ["bootstrap", "--listen", "127.0.0.1:0", ...args], {
      NODE_EXTRA_CA_CERTS: ca.ca,
      ...env,
    });
    agents.push(agent);
    const line = await waitFor(
      "the relay's listening line",
      () => /on (http:\/\/127\.0\.0\.1:\d+)\/bootstrap/.exec(agent.output())?.[1],
    );
    return { agent, url: line };
  };

  it("joins through muster-agent bootstrap in front of the HTTPS registry, with a token or a join URL", async () => {
    const withToken = await relay(["--registry", https.url, "--service", "blixard"], {
      MUSTER_TOKEN: TOKEN,
    });
    // Blixard's rule adds /bootstrap to any path; the relay answers them all.
    for (const address of [withToken.url, `${withToken.url}/v1/services/blixard/`]) {
      expect(await blixardJson<Joined>(["join", address])).toMatchObject({
        ...LEADER,
        http_version: "HTTP/2.0",
      });
    }
    const withJoinUrl = await relay([], { MUSTER_TOKEN: "", MUSTER_JOIN_URL: httpsJoin });
    expect(await blixardJson<Joined>(["join", withJoinUrl.url])).toMatchObject(LEADER);
    // The credential never reaches a log line.
    const capability = httpsJoin.split("/join/")[1] as string;
    expect(withJoinUrl.agent.output()).not.toContain(capability);
    expect(withJoinUrl.agent.output()).toContain("fetched and verified");
  });

  it("keeps answering Blixard from its verified copy while the registry is away, and names the cause when it has none", async () => {
    const warm = await relay(["--registry", https.url, "--service", "blixard"], {
      MUSTER_TOKEN: TOKEN,
    });
    await blixardJson<Joined>(["join", warm.url]);
    await stopLocal(https);
    // Asked again once its second of freshness is over: the registry is gone, the copy stays.
    const header = await waitFor("a stale answer", async () => {
      const { stdout } = await run("curl", [
        "-s",
        "-D",
        "-",
        "-o",
        "/dev/null",
        `${warm.url}/bootstrap`,
      ]);
      return /muster-relay-stale: (.*)/i.exec(stdout)?.[1];
    });
    expect(header).toMatch(/ECONNREFUSED/);
    expect(await blixardJson<Joined>(["join", warm.url])).toMatchObject(LEADER);

    const cold = await relay(["--registry", https.url, "--service", "blixard"], {
      MUSTER_TOKEN: TOKEN,
    });
    const refused = await blixard(["join", cold.url]);
    expect(refused.code).toBe(1);
    // Blixard's own error says it: the status and the relay's JSON with the cause.
    expect(refused.stderr).toMatch(
      /Bootstrap endpoint returned 503.*registry_unreachable.*ECONNREFUSED/,
    );
  });
});
