import { beforeEach, describe, expect, it } from "vitest";
import { BootstrapUpstream, type KeySource } from "../../agent/bootstrap/upstream.js";
import { silentLogger } from "../../agent/log.js";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { newKeySet, SigningKeys, serializeKeySet } from "../../shared/signing/keys.js";
import { fixedSigning } from "../../shared/signing/source.js";
import { TrustedKeys } from "../../shared/signing/trust.js";
import { engine } from "../engines/index.js";
import { blixardNode, TOKEN_A } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";

const URL_ = "https://registry.test/v1/services/blixard/bootstrap";

/**
 * The real registry app (SQLite, signed reads) as the relay's fetch, with the faults a
 * network adds injected around it: refused connections, 5xx, a changed byte.
 */
async function registry() {
  const { store } = await freshStorage(engine("sqlite"));
  const keys = SigningKeys.parse(serializeKeySet(newKeySet(Date.now())));
  const app = createApp({ store, tokens: new TokenSet([TOKEN_A]), signing: fixedSigning(keys) });
  const beat = (body: unknown) =>
    app.request("/v1/services/blixard/heartbeats", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const document = await (await app.request("/.well-known/muster-keys.json")).text();
  const seen: { status: number; ifNoneMatch: string | null }[] = [];
  const fault: { now?: "refuse" | "500" | "tamper" } = {};
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (fault.now === "refuse") {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED", message: "refused" } });
    }
    if (fault.now === "500") return new Response('{"error":{"code":"internal"}}', { status: 500 });
    const req = new Request(input, init);
    const res = await app.request(new URL(req.url).pathname, { headers: req.headers });
    seen.push({ status: res.status, ifNoneMatch: req.headers.get("if-none-match") });
    if (fault.now !== "tamper") return res;
    const text = (await res.text()).replace('"node_id":1', '"node_id":7');
    return new Response(text, { status: res.status, headers: res.headers });
  }) as typeof globalThis.fetch;
  return { beat, document, seen, fault, fetch };
}

const fixedKeys = (document: string): KeySource => ({
  current: async () => TrustedKeys.fromDocuments([document]),
  reload: async () => undefined,
});

describe("muster-agent bootstrap's upstream: verified, revalidated, stale while the registry is down", () => {
  let r: Awaited<ReturnType<typeof registry>>;
  let clock: { ms: number };
  const upstream = (keys: KeySource = fixedKeys(r.document), maxStaleMs = 60_000) =>
    new BootstrapUpstream({
      url: URL_,
      name: "https://registry.test",
      token: TOKEN_A,
      keys,
      timeoutMs: 2000,
      maxStaleMs,
      log: silentLogger,
      now: () => clock.ms,
      fetch: r.fetch,
    });

  beforeEach(async () => {
    r = await registry();
    clock = { ms: Date.now() };
    expect((await r.beat(blixardNode(1, { ttl: 3600 }))).status).toBe(201);
  });

  it("answers the registry's signed body, and asks again with If-None-Match after a second", async () => {
    const u = upstream();
    const first = await u.answer();
    expect(first).toMatchObject({ kind: "ok", ageSeconds: 0 });
    expect(JSON.parse((first as { body: string }).body)).toMatchObject({ node_id: 1 });
    expect((first as { signature: string }).signature).toMatch(/^keyid=/);
    // Within the second: from memory, nothing asked.
    await Promise.all([u.answer(), u.answer()]);
    expect(r.seen).toHaveLength(1);
    clock.ms += 1500;
    expect(await u.answer()).toMatchObject({ kind: "ok", ageSeconds: 0 });
    expect(r.seen).toEqual([
      { status: 200, ifNoneMatch: null },
      { status: 304, ifNoneMatch: (first as { etag: string }).etag },
    ]);
    // A new leader changes the body: a 200 with it, verified again.
    await r.beat(blixardNode(2, { ttl: 3600, metadata: { raft_role: "leader" } }));
    clock.ms += 1500;
    const moved = await u.answer();
    expect(JSON.parse((moved as { body: string }).body)).toMatchObject({ node_id: 2 });
  });

  it("gives the last answer while the registry is unreachable or failing, up to max-stale, then 503 naming why", async () => {
    const u = upstream(fixedKeys(r.document), 60_000);
    await u.answer();
    r.fault.now = "refuse";
    clock.ms += 30_000;
    expect(await u.answer()).toMatchObject({
      kind: "ok",
      ageSeconds: 30,
      stale: "refused (ECONNREFUSED)",
    });
    r.fault.now = "500";
    clock.ms += 20_000;
    expect(await u.answer()).toMatchObject({ kind: "ok", stale: "answered 500 internal" });
    clock.ms += 20_000;
    expect(await u.answer()).toEqual({
      kind: "none",
      code: "registry_unreachable",
      message: "https://registry.test: answered 500 internal",
    });
    r.fault.now = undefined;
    expect(await u.answer()).toMatchObject({ kind: "ok", ageSeconds: 0 });
  });

  it("passes on the registry's 404 no_bootstrap_node, and keeps nothing stale after it", async () => {
    const u = upstream();
    await u.answer();
    await r.beat({ ...blixardNode(1), status: "critical" });
    clock.ms += 1500;
    const none = await u.answer();
    expect(none).toMatchObject({ kind: "registry", status: 404 });
    expect((none as { body: string }).body).toContain("no_bootstrap_node");
    r.fault.now = "refuse";
    clock.ms += 1500;
    expect(await u.answer()).toMatchObject({ kind: "none", code: "registry_unreachable" });
  });

  it("refuses a changed byte, another registry's keys and a bad token, naming the cause", async () => {
    r.fault.now = "tamper";
    expect(await upstream().answer()).toMatchObject({
      kind: "none",
      code: "untrusted_answer",
      message: expect.stringContaining("does not match its body"),
    });
    r.fault.now = undefined;
    const other = await registry();
    expect(await upstream(fixedKeys(other.document)).answer()).toMatchObject({
      kind: "none",
      code: "untrusted_answer",
      message: expect.stringContaining("which is not trusted"),
    });
    const badToken = new BootstrapUpstream({
      url: URL_,
      name: "https://registry.test",
      token: "not-a-token-0123456789",
      keys: fixedKeys(r.document),
      timeoutMs: 2000,
      maxStaleMs: 60_000,
      log: silentLogger,
      fetch: r.fetch,
    });
    expect(await badToken.answer()).toMatchObject({
      kind: "none",
      code: "registry_refused",
      message: expect.stringContaining("401 unauthorized"),
    });
  });

  it("refuses a signed answer that is not a BootstrapInfo (a URL that names another file)", async () => {
    const peers = new BootstrapUpstream({
      url: "https://registry.test/v1/services/blixard/peers.json",
      name: "https://registry.test",
      token: TOKEN_A,
      keys: fixedKeys(r.document),
      timeoutMs: 2000,
      maxStaleMs: 60_000,
      log: silentLogger,
      fetch: r.fetch,
    });
    expect(await peers.answer()).toMatchObject({
      kind: "none",
      code: "invalid_answer",
      message: expect.stringContaining("https://registry.test's answer is not a BootstrapInfo"),
    });
  });

  it("reads the keys again when the answer is signed by a key they do not list (a rotation)", async () => {
    const other = await registry();
    let reads = 0;
    const keys: KeySource = {
      current: async () => TrustedKeys.fromDocuments([other.document]),
      reload: async () => {
        reads++;
        return TrustedKeys.fromDocuments([r.document]);
      },
    };
    expect(await upstream(keys).answer()).toMatchObject({ kind: "ok" });
    expect(reads).toBe(1);
  });
});
