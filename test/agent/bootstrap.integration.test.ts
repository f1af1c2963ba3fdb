import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohHexId } from "../support/iroh-keys.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { blixardNode } from "../support/registry.js";
import { run } from "../support/tls.js";
import { type AgentProcess, buildAgent, removeAgent, spawnAgent, waitFor } from "./support.js";

const TOKEN = "relay-test-token-0123456789abcdef";

/** curl: status line, headers (lower-cased) and body. */
async function curl(args: string[]) {
  const { stdout } = await run("curl", ["-s", "-i", "--max-time", "10", ...args]);
  const [head = "", body = ""] = stdout.split(/\r\n\r\n/, 2);
  const [line = "", ...lines] = head.split("\r\n");
  const status = line.trim();
  const headers = Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf(":")).toLowerCase(),
      l.slice(l.indexOf(":") + 1).trim(),
    ]),
  );
  return { status, headers, body };
}

describe("muster-agent bootstrap (the relay for Blixard's join)", () => {
  let dir: string;
  let registry: LocalServer;
  let bundle: string;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-relay-"));
    [registry, bundle] = await Promise.all([
      startLocal({ MUSTER_DATA_DIR: join(dir, "data"), MUSTER_TOKENS: TOKEN }),
      buildAgent(),
    ]);
    const beat = await fetch(`${registry.url}/v1/services/blixard/heartbeats`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify(blixardNode(1, { ttl: 3600 })),
    });
    expect(beat.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    if (registry) await stopLocal(registry);
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const relay = async (args: string[], env: Record<string, string> = {}) => {
    const agent = spawnAgent(bundle, ["bootstrap", "--listen", "127.0.0.1:0", ...args], {
      MUSTER_TOKEN: TOKEN,
      ...env,
    });
    agents.push(agent);
    const url = await waitFor(
      "the listening line",
      () => /on (http:\/\/127\.0\.0\.1:\d+)\/bootstrap/.exec(agent.output())?.[1],
    );
    return { agent, url };
  };

  it("answers GET and HEAD of /bootstrap over HTTP/1.1 and h2c, with 304 for its ETag, and nothing else", async () => {
    const { url } = await relay(["--registry", registry.url, "--service", "blixard"]);
    const h1 = await curl(["--http1.1", `${url}/bootstrap`]);
    expect(h1.status).toBe("HTTP/1.1 200 OK");
    expect(JSON.parse(h1.body)).toMatchObject({ node_id: 1, p2p_node_id: irohHexId(1) });
    expect(h1.headers["muster-signature"]).toMatch(/^keyid="/);
    const h2 = await curl(["--http2-prior-knowledge", `${url}/any/path/bootstrap`]);
    expect(h2.status).toBe("HTTP/2 200");
    expect(h2.body).toBe(h1.body);
    const again = await curl(["-H", `If-None-Match: ${h1.headers.etag}`, `${url}/bootstrap`]);
    expect(again.status).toBe("HTTP/1.1 304 Not Modified");
    const head = await curl(["-I", `${url}/bootstrap`]);
    expect(head.status).toBe("HTTP/1.1 200 OK");
    expect(head.body).toBe("");
    expect((await curl([`${url}/peers.json`])).status).toBe("HTTP/1.1 404 Not Found");
    const post = await curl(["-X", "POST", `${url}/bootstrap`]);
    expect(post.status).toBe("HTTP/1.1 405 Method Not Allowed");
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("refuses an answer its keys do not verify, naming why, and a token the registry refuses", async () => {
    const keys = join(dir, "other-keys.json");
    // A well-formed key set of another registry.
    const other = await startLocal({ MUSTER_DATA_DIR: join(dir, "other"), MUSTER_TOKENS: TOKEN });
    await writeFile(keys, await (await fetch(`${other.url}/.well-known/muster-keys.json`)).text());
    await stopLocal(other);
    const forged = await relay([
      "--registry",
      registry.url,
      "--service",
      "blixard",
      "--verify-key",
      keys,
    ]);
    const refused = await curl([`${forged.url}/bootstrap`]);
    expect(refused.status).toBe("HTTP/1.1 503 Service Unavailable");
    expect(JSON.parse(refused.body).error).toMatchObject({
      code: "untrusted_answer",
      message: expect.stringContaining("which is not trusted"),
    });
    const bad = await relay(["--registry", registry.url, "--service", "blixard"], {
      MUSTER_TOKEN: "not-the-token-0123456789abcdef",
    });
    expect(JSON.parse((await curl([`${bad.url}/bootstrap`])).body).error).toMatchObject({
      code: "registry_refused",
      message: expect.stringContaining("401 unauthorized"),
    });
  });

  it("refuses to start without a credential, with two, or with a URL that is not a join URL", async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--registry", registry.url, "--service", "blixard"], { MUSTER_TOKEN: "" }, /no credential/],
      [
        ["--join-url", `${registry.url}/v1/services/blixard/join/x`, "--token-file", "t"],
        {},
        /not both/,
      ],
      [["--join-url", `${registry.url}/v1/services/blixard/peers.json`], {}, /must be a join URL/],
      [["--registry", registry.url], {}, /--service is required/],
      [["--registry", registry.url, "--service", "blixard", "--listen", "nowhere"], {}, /--listen/],
    ];
    for (const [args, env, message] of cases) {
      const agent = spawnAgent(bundle, ["bootstrap", ...args], { MUSTER_TOKEN: TOKEN, ...env });
      expect(await agent.exited).toBe(2);
      expect(agent.output()).toMatch(message);
    }
    const help = spawnAgent(bundle, ["help", "bootstrap"]);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain("--join-url");
  });
});
