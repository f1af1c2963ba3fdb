import { describe, expect, it } from "vitest";
import { TokenSet } from "../../shared/auth/tokens.js";
import { createApp } from "../../shared/http/app.js";
import { newKeySet, rotate, SigningKeys, serializeKeySet } from "../../shared/signing/keys.js";
import { fixedSigning, ReloadingSigning } from "../../shared/signing/source.js";
import { TrustedKeys } from "../../shared/signing/trust.js";
import { type Engine, engines } from "../engines/index.js";
import { blixardNode, json, TOKEN_A } from "../support/registry.js";
import { freshStorage } from "../support/stores.js";

const FILES = [
  "/v1/services/blixard/instances/node-1/registry.json",
  "/v1/services/blixard/peers.json",
  "/v1/services/blixard/peers.txt",
  "/v1/services/blixard/srv",
  "/v1/services/blixard/instances",
  "/v1/services",
];
const auth = { Authorization: `Bearer ${TOKEN_A}` };

async function signedRegistry(engine: Engine, set = newKeySet(Date.now())) {
  const { store } = await freshStorage(engine);
  const keys = SigningKeys.parse(serializeKeySet(set));
  const app = createApp({
    store,
    tokens: new TokenSet([TOKEN_A]),
    signing: fixedSigning(keys),
  });
  await app.request("/v1/services/blixard/heartbeats", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify(blixardNode(1)),
  });
  return { app, keys };
}

describe.each(engines())("signed reads on $name", (engine) => {
  it("signs every read with a key the open well-known document lists", async () => {
    const { app, keys } = await signedRegistry(engine);
    const wellKnown = await app.request("/.well-known/muster-keys.json");
    expect(wellKnown.status).toBe(200);
    expect(wellKnown.headers.get("etag")).toMatch(/^"/);
    const doc = await wellKnown.text();
    expect(JSON.parse(doc).keys[0]).toMatchObject({ kid: keys.activeKeyId, status: "active" });
    const trusted = TrustedKeys.fromDocuments([doc]);
    for (const path of FILES) {
      const res = await app.request(path, { headers: auth });
      expect(res.status, path).toBe(200);
      const header = res.headers.get("muster-signature");
      expect(header, path).toContain(`keyid="${keys.activeKeyId}"`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(trusted.check(body, header, Date.now()), path).toBeUndefined();
      // The same header with one byte of the body changed does not verify.
      body[body.length - 2] = (body[body.length - 2] ?? 0) ^ 0x20;
      expect(trusted.check(body, header, Date.now()), path).toMatch(/does not match/);
    }
  });

  it("leaves the ETag as it was and answers 304 without a body or a signature", async () => {
    const { app } = await signedRegistry(engine);
    const { store } = await freshStorage(engine);
    const unsigned = createApp({
      store,
      tokens: new TokenSet([TOKEN_A]),
    });
    const path = "/v1/services/blixard/peers.txt";
    await unsigned.request("/v1/services/blixard/heartbeats", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify(blixardNode(1)),
    });
    const a = await app.request(path, { headers: auth });
    const b = await unsigned.request(path, { headers: auth });
    expect(a.headers.get("etag")).toBe(b.headers.get("etag"));
    expect(b.headers.get("muster-signature")).toBeNull();
    const etag = a.headers.get("etag") ?? "";
    const again = await app.request(path, { headers: { ...auth, "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("muster-signature")).toBeNull();
  });

  it("does not sign refusals, and the well-known path needs no token", async () => {
    const { app } = await signedRegistry(engine);
    const missing = await app.request("/v1/services/blixard/instances/nope/registry.json", {
      headers: auth,
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("muster-signature")).toBeNull();
    expect((await app.request("/v1/services/blixard/peers.json")).status).toBe(401);
    expect((await app.request("/.well-known/muster-keys.json")).status).toBe(200);
  });
});

describe("signing key sources", () => {
  const engine = engines()[0] as Engine;

  it("answers 404 signing_disabled for the keys when the registry does not sign", async () => {
    const { store } = await freshStorage(engine);
    const app = createApp({
      store,
      tokens: new TokenSet([TOKEN_A]),
    });
    const res = await app.request("/.well-known/muster-keys.json");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("signing_disabled");
  });

  it("answers reads 503 with Retry-After while no key set can be loaded; writes go on", async () => {
    const { store } = await freshStorage(engine);
    let text: string | undefined;
    const app = createApp({
      store,
      tokens: new TokenSet([TOKEN_A]),
      signing: new ReloadingSigning({
        load: async () => {
          if (text === undefined) throw new Error("AccessDenied");
          return text;
        },
        maxAgeMs: 0,
      }),
    });
    const write = await app.request("/v1/services/blixard/heartbeats", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify(blixardNode(1)),
    });
    expect(write.status).toBe(201);
    const read = await app.request("/v1/services/blixard/peers.json", { headers: auth });
    expect(read.status).toBe(503);
    expect(read.headers.get("retry-after")).toBe("5");
    expect((await json(read)).error.code).toBe("signing_unavailable");
    expect((await app.request("/.well-known/muster-keys.json")).status).toBe(503);
  });

  it("picks up a rotation, and keeps serving the old set when a reload fails", async () => {
    const { store } = await freshStorage(engine);
    const clock = { ms: Date.now() };
    const first = newKeySet(clock.ms);
    let text: string | Error = serializeKeySet(first);
    const app = createApp({
      store,
      tokens: new TokenSet([TOKEN_A]),
      now: () => clock.ms,
      signing: new ReloadingSigning({
        load: async () => {
          if (text instanceof Error) throw text;
          return text;
        },
        maxAgeMs: 1000,
        now: () => clock.ms,
      }),
    });
    const kids = async () =>
      (await json(await app.request("/.well-known/muster-keys.json"))).keys.map(
        (k: { status: string }) => k.status,
      );
    expect(await kids()).toEqual(["active"]);
    text = serializeKeySet(rotate(first, clock.ms, 3600));
    clock.ms += 1000;
    expect(await kids()).toEqual(["retired", "active"]);
    text = new Error("throttled");
    clock.ms += 1000;
    expect(await kids()).toEqual(["retired", "active"]);
    // After the grace period the retired key is no longer published.
    clock.ms += 3600_000;
    expect(await kids()).toEqual(["active"]);
  });
});
