import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { newKeySet, SigningKeys, serializeKeySet } from "../../shared/signing/keys.js";
import { fixedSigning } from "../../shared/signing/source.js";
import { engine } from "../engines/index.js";
import { blixardNode } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";
import { buildAgent, removeAgent, spawnAgent, TOKEN } from "./support.js";

type Mode = "pass" | "tamper" | "strip" | "foreign";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * The signed registry behind a man in the middle on 127.0.0.1: it relays each answer, and
 * per the path's first segment alters one byte of the body, strips the signature, or
 * re-signs with a key of its own.
 */
describe("muster-agent join --verify-key", () => {
  let bundle: string;
  let dir: string;
  let registry: Server;
  let proxy: Server;
  let proxyUrl: string;
  let keysFile: string;
  const foreign = SigningKeys.parse(serializeKeySet(newKeySet(Date.now())));

  beforeAll(async () => {
    const { store } = await freshStorage(engine("sqlite"));
    const keys = SigningKeys.parse(serializeKeySet(newKeySet(Date.now())));
    const app = createApp({
      store,
      tokens: new TokenSet([TOKEN]),
      signing: fixedSigning(keys),
    });
    for (const n of [1, 2]) {
      await app.request("/v1/services/blixard/heartbeats", {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ ...blixardNode(n), ttl: 600 }),
      });
    }
    registry = createAdaptorServer({ fetch: app.fetch }) as Server;
    const registryUrl = await listen(registry);
    proxy = createServer(async (req, res) => {
      const [, mode, ...rest] = (req.url ?? "/").split("/") as [string, Mode, ...string[]];
      const upstream = await fetch(`${registryUrl}/${rest.join("/")}`, {
        headers: { Authorization: req.headers.authorization ?? "" },
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const headers: Record<string, string> = {
        "Content-Type": upstream.headers.get("content-type") ?? "application/octet-stream",
      };
      const signature = upstream.headers.get("muster-signature");
      if (mode === "tamper") {
        // One byte: 192.168.1.11 becomes 192.168.1.10 in the first address served.
        const at = body.indexOf("192.168.1.11");
        body[at + 11] = "0".charCodeAt(0);
      }
      if (signature && mode !== "strip") headers["Muster-Signature"] = signature;
      if (mode === "foreign")
        headers["Muster-Signature"] = foreign.signatureHeader(body.toString());
      res.writeHead(upstream.status, headers);
      res.end(body);
    });
    proxyUrl = await listen(proxy);
    [bundle, dir] = await Promise.all([buildAgent(), mkdtemp(join(tmpdir(), "muster-verify-"))]);
    keysFile = join(dir, "muster-keys.json");
    await writeFile(
      keysFile,
      await (await fetch(`${registryUrl}/.well-known/muster-keys.json`)).text(),
    );
  });
  afterAll(async () => {
    await Promise.all([close(proxy), close(registry), removeAgent(bundle)]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const join_ = async (args: string[]) => {
    const agent = spawnAgent(bundle, ["join", ...args]);
    const code = await agent.exited;
    return { code, stdout: agent.stdout(), output: agent.output() };
  };
  const url = (mode: Mode, file: string) => `${proxyUrl}/${mode}/v1/services/blixard/${file}`;

  it("writes a file whose signature verifies, by a pinned file or by the keys URL", async () => {
    const out = join(dir, "good", "discovery-peers.json");
    const pinned = await join_([url("pass", "peers.json"), "--verify-key", keysFile, "--out", out]);
    expect(pinned.output).toContain("wrote 2 peer(s)");
    expect(pinned.code).toBe(0);
    const byUrl = await join_([
      url("pass", "instances/node-1/registry.json"),
      "--verify-key",
      `${proxyUrl}/pass/.well-known/muster-keys.json`,
    ]);
    expect(byUrl.code).toBe(0);
    expect(JSON.parse(byUrl.stdout)[0].node_id).toBe(1);
  });

  it.each([
    ["tamper", "peers.json", /signature does not match its body/],
    ["tamper", "peers.txt", /signature does not match its body/],
    ["tamper", "srv", /signature does not match its body/],
    ["tamper", "instances/node-1/registry.json", /signature does not match its body/],
    ["strip", "peers.json", /it is not signed/],
    ["foreign", "peers.json", /signed by key .* which is not trusted/],
  ] as const)("refuses a %s %s: exit 1, nothing written", async (mode, file, why) => {
    const out = join(dir, mode, file.replaceAll("/", "_"), "discovery-peers.json");
    const { code, stdout, output } = await join_([
      url(mode, file),
      "--verify-key",
      keysFile,
      "--out",
      out,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(output).toMatch(why);
    expect(output).toMatch(/refused/);
    await expect(readFile(out, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("refuses even when another location answered, and does not fall through to --srv", async () => {
    const { code, output } = await join_([
      url("pass", "peers.json"),
      url("tamper", "peers.txt"),
      "--verify-key",
      keysFile,
      "--srv",
      "_blixard._tcp.cluster.local",
      "--dns-server",
      "127.0.0.1:9",
      "--timeout",
      "1",
    ]);
    expect(code).toBe(1);
    expect(output).toMatch(/peers.txt refused: its signature does not match/);
    expect(output).not.toMatch(/DNS SRV/);
  });

  it("fails clearly on a keys file it cannot use", async () => {
    const bad = join(dir, "bad-keys.json");
    await writeFile(bad, '{"keys":[]}');
    const { code, output } = await join_([url("pass", "peers.json"), "--verify-key", bad]);
    expect(code).toBe(1);
    expect(output).toMatch(/--verify-key: the keys document lists no Ed25519 key/);
  });
});
