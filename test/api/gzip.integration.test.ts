import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { engines } from "../engines/index.js";
import { json, listed, testRegistry } from "../support/registry.js";

describe.each(engines())("gzipped reads on $name", (engine) => {
  it("gzips a large read for a client that accepts it; ETag and revalidation name the identity body", async () => {
    const r = await testRegistry(engine);
    for (let n = 0; n < 20; n++) {
      await r.heartbeat("web", { id: `n-${n}`, address: `10.0.0.${n + 1}:80` });
    }
    const plain = await r.get("/v1/services/web/instances");
    const identity = await plain.text();
    const etag = plain.headers.get("etag") ?? "";
    expect(plain.headers.get("content-encoding")).toBeNull();

    const gz = await r.get("/v1/services/web/instances", { "accept-encoding": "gzip, br" });
    expect(gz.status).toBe(200);
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.headers.get("vary")).toBe("Authorization, X-Muster-Token, Accept-Encoding");
    expect(gz.headers.get("etag")).toBe(`${etag.slice(0, -1)}-gzip"`);
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString("utf8")).toBe(identity);

    // Either ETag revalidates either way: both name the same identity body.
    for (const tag of [etag, gz.headers.get("etag") ?? ""]) {
      const again = await r.get("/v1/services/web/instances", {
        "accept-encoding": "gzip",
        "if-none-match": tag,
      });
      expect(again.status).toBe(304);
    }
    // q=0 refuses gzip; small bodies go plain.
    const refused = await r.get("/v1/services/web/instances", { "accept-encoding": "gzip;q=0" });
    expect(refused.headers.get("content-encoding")).toBeNull();
    const small = await r.get("/v1/services/web/instances/n-1/registry.json", {
      "accept-encoding": "gzip",
    });
    expect(small.headers.get("content-encoding")).toBeNull();
  });

  it("pages /instances with limit and cursor, every instance once, and refuses a forged cursor", async () => {
    const r = await testRegistry(engine);
    const ids = Array.from({ length: 45 }, (_, n) => `n-${String(n).padStart(2, "0")}`);
    for (const id of ids) await r.heartbeat("web", { id, address: "10.0.0.1:80" });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await json(await r.get(`/v1/services/web/instances?${q}`));
      expect(page.instances.length).toBeLessThanOrEqual(10);
      seen.push(...page.instances.map((i: { id: string }) => i.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen.sort()).toEqual(ids);

    const forged = await r.get("/v1/services/web/instances?cursor=bm90LWEtY3Vyc29y");
    expect(forged.status).toBe(400);
    expect((await json(forged)).error.issues[0].path).toBe("cursor");
    const tooBig = await r.get("/v1/services/web/instances?limit=1001");
    expect(tooBig.status).toBe(400);
    expect((await json(tooBig)).error.issues[0].path).toBe("limit");
  });

  it("keeps /v1/services counts right across creations, status changes, deletions and expiry", async () => {
    const r = await testRegistry(engine);
    const services = async () => (await json(await r.get("/v1/services"))).services;
    await r.heartbeat("web", { id: "a", address: "10.0.0.1:80", ttl: 60 });
    expect(await services()).toEqual([listed("web", { instances: 1, passing: 1 })]);
    await r.heartbeat("web", { id: "b", address: "10.0.0.2:80", ttl: 600 });
    expect(await services()).toEqual([listed("web", { instances: 2, passing: 1 + 1 })]);
    await r.heartbeat("web", { id: "b", address: "10.0.0.2:80", ttl: 600, status: "critical" });
    expect(await services()).toEqual([listed("web", { instances: 2, passing: 1 })]);
    expect((await r.remove("web", "b")).status).toBe(204);
    expect(await services()).toEqual([listed("web", { instances: 1, passing: 1 })]);
    r.advance(60); // a's lease ends: no code runs, the kept count must not outlive it
    expect(await services()).toEqual([]);
  });
});
