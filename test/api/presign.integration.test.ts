import { describe, expect, it } from "vitest";
import { StaticPresignKeys } from "../../shared/auth/presign.js";
import { engines } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { json, TOKEN_A, testRegistry } from "../support/registry.js";

const K1 = { k1: "k1-secret-0123456789abcdef0123456789" };
const K2 = { k2: "k2-secret-0123456789abcdef0123456789" };
const NODE = {
  id: "n1",
  address: "10.0.0.1:7001",
  ttl: 3600,
  cluster_node_id: 1,
  iroh_node_id: irohNodeId(1),
};

describe.each(engines())("presigned join URLs on $name", (engine) => {
  const setUp = async (keys: Record<string, string> = K1) => {
    const r = await testRegistry(engine, { security: { presign: new StaticPresignKeys(keys) } });
    await r.heartbeat("a", NODE);
    await r.heartbeat("b", NODE);
    const mint = async (body: Record<string, unknown>, token = TOKEN_A) =>
      r.app.request("/v1/admin/presign", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ base_url: "https://muster.example", ...body }),
      });
    const url = async (body: Record<string, unknown>) => {
      const res = await mint(body);
      expect(res.status).toBe(201);
      return (await json(res)) as { url: string; expires_at: string };
    };
    /** Fetches a minted URL from the app, with no Authorization header. */
    const open = (u: string, init?: RequestInit) =>
      r.app.request(u.replace("https://muster.example", "http://x"), init);
    return { r, mint, url, open };
  };

  it("serves the signed file to a caller with no token, until its expiry", async () => {
    const { r, url, open } = await setUp();
    const peers = await url({ service: "a", file: "peers.json", ttl: 600 });
    expect(peers.url).toMatch(
      /^https:\/\/muster\.example\/v1\/services\/a\/peers\.json\?expires=\d+&kid=k1&sig=[A-Za-z0-9_-]{43}$/,
    );
    expect(peers.expires_at).toBe(
      new Date((Math.floor(r.clock.ms / 1000) + 600) * 1000).toISOString().replace(".000Z", "Z"),
    );
    const ok = await open(peers.url);
    expect(ok.status).toBe(200);
    expect((await json(ok))[0].node_id).toBe(1);
    // Filters are not signed: they only narrow the signed resource.
    expect((await open(`${peers.url}&status=any`)).status).toBe(200);

    const reg = await url({ service: "a", file: "registry.json", id: "n1", ttl: 600 });
    expect((await json(await open(reg.url))).address).toBe("10.0.0.1:7001");

    r.advance(599);
    expect((await open(peers.url)).status).toBe(200);
    r.advance(1);
    const expired = await open(peers.url);
    expect(expired.status).toBe(403);
    expect((await json(expired)).error.code).toBe("url_expired");
  });

  it("refuses a tampered URL: another service, another node, another expiry, a changed signature", async () => {
    const { url, open } = await setUp();
    const peers = (await url({ service: "a", file: "peers.json", ttl: 600 })).url;
    const reg = (await url({ service: "a", file: "registry.json", id: "n1", ttl: 600 })).url;
    const u = new URL(peers);
    const sig = u.searchParams.get("sig") as string;
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === "A" ? "B" : "A"}${sig.at(-1)}`;
    const later = String(Number(u.searchParams.get("expires")) + 3600);
    for (const tampered of [
      peers.replace("/services/a/", "/services/b/"),
      peers.replace("peers.json", "peers.txt"),
      reg.replace("/instances/n1/", "/instances/n2/"),
      peers.replace(/expires=\d+/, `expires=${later}`),
      peers.replace(`sig=${sig}`, `sig=${flipped}`),
      peers.replace("kid=k1", "kid=k9"),
      peers.replace(`&sig=${sig}`, "&sig="),
    ]) {
      const res = await open(tampered);
      expect(res.status, tampered).toBe(401);
      expect((await json(res)).error.code).toBe("bad_signature");
    }
    // A presigned URL never writes, and a bearer header does not rescue a bad signature.
    const write = await open(peers.replace("peers.json", "heartbeats"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(NODE),
    });
    expect(write.status).toBe(401);
    const withHeader = await open(peers.replace(`sig=${sig}`, `sig=${flipped}`), {
      headers: { Authorization: `Bearer ${TOKEN_A}` },
    });
    expect(withHeader.status).toBe(401);
  });

  it("stops a URL when its key leaves the set, and signs with the newest key", async () => {
    const { url } = await setUp();
    const old = (await url({ service: "a", file: "peers.txt", ttl: 600 })).url;
    const path = old.replace("https://muster.example", "http://x");
    // The same table and clock behind apps with rotated key sets (each a restart or a reload).
    const withBoth = await testRegistry(engine, {
      security: { presign: new StaticPresignKeys({ ...K1, ...K2 }) },
    });
    const onlyNew = await testRegistry(engine, {
      security: { presign: new StaticPresignKeys(K2) },
    });
    for (const next of [withBoth, onlyNew]) await next.heartbeat("a", NODE);
    expect((await withBoth.app.request(path)).status).toBe(200);
    const dead = await onlyNew.app.request(path);
    expect(dead.status).toBe(401);
    expect((await json(dead)).error.code).toBe("bad_signature");
    const minted = await withBoth.app.request("/v1/admin/presign", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
      body: JSON.stringify({ service: "a", file: "peers.txt" }),
    });
    expect((await json(minted)).url).toMatch(
      /^http:\/\/localhost\/v1\/services\/a\/peers\.txt\?expires=\d+&kid=k2&/,
    );
  });

  it("mints for admins only, and names what is wrong in a request", async () => {
    const { r, mint } = await setUp();
    const reader = await r.mint({ name: "r", role: "read", services: ["a"] });
    expect((await mint({ service: "a", file: "peers.json" }, reader.token)).status).toBe(403);
    const noId = await json(await mint({ service: "a", file: "registry.json" }));
    expect(noId.error.issues).toEqual([
      { path: "id", message: "registry.json needs the instance id" },
    ]);
    const bad = await json(await mint({ service: "A", file: "keys", ttl: 10 }));
    expect(bad.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "file",
      "service",
      "ttl",
    ]);
    const off = await testRegistry(engine);
    const disabled = await off.app.request("/v1/admin/presign", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
      body: JSON.stringify({ service: "a", file: "peers.json" }),
    });
    expect(disabled.status).toBe(404);
    const unsigned = await off.app.request("/v1/services/a/peers.json?expires=1&kid=k1&sig=x");
    expect(unsigned.status).toBe(401);
    expect((await json(unsigned)).error.code).toBe("bad_signature");
  });
  it("accepts only the canonical spelling of a signature", async () => {
    const { url, open } = await setUp();
    const peers = (await url({ service: "a", file: "peers.json", ttl: 600 })).url;
    const sig = new URL(peers).searchParams.get("sig") as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // The last of 43 characters carries 4 bits of the MAC and 2 a decoder ignores: the three
    // other characters that decode to the same bytes are not this registry's signature.
    const last = alphabet.indexOf(sig.at(-1) as string);
    const twins = [0, 1, 2, 3]
      .map((low) => alphabet[(last & ~3) | low] as string)
      .filter((c) => c !== sig.at(-1));
    expect(twins).toHaveLength(3);
    for (const c of twins) {
      const twin = `${sig.slice(0, -1)}${c}`;
      expect(Buffer.from(twin, "base64url")).toEqual(Buffer.from(sig, "base64url"));
      const res = await open(peers.replace(`sig=${sig}`, `sig=${twin}`));
      expect(res.status, twin).toBe(401);
      expect((await json(res)).error.code).toBe("bad_signature");
    }
    expect((await open(peers)).status).toBe(200);
  });

  it("refuses a base_url a signed path cannot follow, and takes the origin from the configuration, else the request", async () => {
    const { mint } = await setUp();
    for (const [bad, message] of [
      ["https://muster.example/?x=1", "must have no query (?) or fragment (#)"],
      ["https://muster.example/#", "must have no query (?) or fragment (#)"],
      ["https://user:pw@muster.example", "must not carry credentials"],
      ["javascript:alert(1)", "must be an http or https URL"],
    ]) {
      const res = await mint({ service: "a", file: "peers.json", base_url: bad });
      expect(res.status, bad).toBe(400);
      expect((await json(res)).error.issues, bad).toEqual([{ path: "base_url", message }]);
    }
    const prefixed = await json(
      await mint({ service: "a", file: "peers.json", base_url: "https://cdn.example/reg/" }),
    );
    expect(prefixed.url).toMatch(/^https:\/\/cdn\.example\/reg\/v1\/services\/a\/peers\.json\?/);

    const configured = await testRegistry(engine, {
      security: { presign: new StaticPresignKeys(K1), baseUrl: "https://configured.example" },
    });
    const mintOn = (body: Record<string, unknown>, host: string) =>
      configured.app.request("/v1/admin/presign", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${TOKEN_A}`,
          "Content-Type": "application/json",
          Host: host,
        },
        body: JSON.stringify(body),
      });
    // The configured origin wins over the Host header; a request's base_url over both.
    const fromConfig = await json(
      await mintOn({ service: "a", file: "peers.txt" }, "evil.example"),
    );
    expect(fromConfig.url).toMatch(/^https:\/\/configured\.example\/v1\/services\/a\/peers\.txt\?/);
    const fromBody = await json(
      await mintOn({ service: "a", file: "peers.txt", base_url: "https://b.example" }, "h.example"),
    );
    expect(fromBody.url).toMatch(/^https:\/\/b\.example\//);
  });
});
