import { describe, expect, it } from "vitest";
import { StaticPresignKeys } from "../../shared/auth/presign.js";
import { engines } from "../engines/index.js";
import {
  blixardBootstrapUrl,
  bootstrapInfo,
  discoveredPeer,
  nodeRegistryEntry,
} from "../support/blixard-shapes.js";
import { irohHexId, irohNodeId } from "../support/iroh-keys.js";
import { blixardNode, json, TOKEN_A, testRegistry } from "../support/registry.js";

const K1 = { k1: "k1-secret-0123456789abcdef0123456789" };
const K2 = { k2: "k2-secret-0123456789abcdef0123456789" };

describe.each(engines())("Blixard's files and join URLs on $name", (engine) => {
  const setUp = async (keys: Record<string, string> = K1) => {
    const r = await testRegistry(engine, { security: { presign: new StaticPresignKeys(keys) } });
    // Two Blixard nodes, and two instances that are not Blixard nodes in the same service.
    await r.heartbeat("bx", blixardNode(3));
    await r.heartbeat("bx", blixardNode(2));
    await r.heartbeat("bx", { id: "edge", address: "edge.internal:7001" });
    // A record with one id of the two, as an older muster accepted it (a heartbeat saying so
    // is now refused): written through the store.
    await r.store.heartbeat({
      service: "bx",
      id: "half",
      fields: {
        address: "10.0.0.9:7001",
        direct_addresses: [],
        relay_url: null,
        iroh_node_id: null,
        cluster_node_id: 9,
        tags: [],
        metadata: {},
        version: null,
        weight: 1,
        status: "passing",
      },
      ttl: 3600,
      owner: "older-muster",
      source: "heartbeat",
      nowMs: r.clock.ms,
    });
    const mint = async (body: Record<string, unknown>) => {
      const res = await r.app.request("/v1/admin/presign", {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" },
        body: JSON.stringify({ base_url: "https://muster.example", ...body }),
      });
      expect(res.status).toBe(201);
      return (await json(res)) as { url: string; expires_at: string };
    };
    /** What a Blixard node does with --join-address: its URL rule, no Authorization header. */
    const join = (url: string, app = r.app) =>
      app.request(blixardBootstrapUrl(url).replace("https://muster.example", "http://x"));
    return { r, mint, join };
  };

  it("serves peers.json and registry.json that parse as Blixard's structs, and says what it left out", async () => {
    const { r } = await setUp();
    const res = await r.get("/v1/services/bx/peers.json");
    expect(res.headers.get("muster-omitted-instances")).toBe("2");
    const peers = discoveredPeer.array().parse(await json(res));
    expect(peers.map((p) => p.node_id)).toEqual([2, 3]);
    expect(
      nodeRegistryEntry.parse(
        await json(await r.get("/v1/services/bx/instances/node-2/registry.json")),
      ),
    ).toEqual({
      cluster_node_id: 2,
      iroh_node_id: irohNodeId(2),
      direct_addresses: ["192.168.1.12:7001", "10.0.0.2:7001"],
      relay_url: "https://relay.iroh.network",
      address: "192.168.1.12:7001",
    });
    for (const id of ["edge", "half"]) {
      const no = await r.get(`/v1/services/bx/instances/${id}/registry.json`);
      expect(no.status).toBe(404);
      const body = await json(no);
      expect(body.error.code).toBe("not_blixard");
      expect(body.error.message).toContain("cluster_node_id");
    }
    // The others are still everywhere else.
    expect(await (await r.get("/v1/services/bx/peers.txt")).text()).toContain("edge.internal:7001");
  });

  it("answers bootstrap with the leader, else the lowest cluster node id, its key in hex", async () => {
    const { r } = await setUp();
    const first = bootstrapInfo.parse(await json(await r.get("/v1/services/bx/bootstrap")));
    expect(first).toEqual({
      node_id: 2,
      p2p_node_id: irohHexId(2),
      p2p_addresses: ["192.168.1.12:7001", "10.0.0.2:7001"],
      p2p_relay_url: "https://relay.iroh.network",
    });
    // The hex id is the very key registered in base64.
    expect(Buffer.from(first.p2p_node_id, "hex")).toEqual(Buffer.from(irohNodeId(2), "base64"));
    await r.heartbeat("bx", blixardNode(3, { metadata: { raft_role: "leader" } }));
    expect((await json(await r.get("/v1/services/bx/bootstrap"))).node_id).toBe(3);
    // Only passing nodes: a leader in trouble is passed over.
    await r.heartbeat(
      "bx",
      blixardNode(3, { metadata: { raft_role: "leader" }, status: "warning" }),
    );
    expect((await json(await r.get("/v1/services/bx/bootstrap"))).node_id).toBe(2);
    await r.remove("bx", "node-2");
    await r.remove("bx", "node-3");
    const none = await r.get("/v1/services/bx/bootstrap");
    expect(none.status).toBe(404);
    expect((await json(none)).error.code).toBe("no_bootstrap_node");
  });

  it("mints a join URL that a Blixard node can use as it is, with a slash, or with /bootstrap", async () => {
    const { r, mint, join } = await setUp();
    const { url, expires_at } = await mint({ service: "bx", file: "bootstrap", ttl: 600 });
    expect(url).toMatch(
      /^https:\/\/muster\.example\/v1\/services\/bx\/join\/\d+\.k1\.[A-Za-z0-9_-]{43}$/,
    );
    expect(Date.parse(expires_at)).toBe((Math.floor(r.clock.ms / 1000) + 600) * 1000);
    for (const given of [url, `${url}/`, `${url}/bootstrap`]) {
      const res = await join(given);
      expect(res.status, given).toBe(200);
      const info = bootstrapInfo.parse(await json(res));
      expect(Buffer.from(info.p2p_node_id, "hex")).toEqual(Buffer.from(irohNodeId(2), "base64"));
    }
    // The URL as given, without Blixard's suffix, answers the same.
    expect((await r.app.request(url.replace("https://muster.example", "http://x"))).status).toBe(
      200,
    );
    r.advance(600);
    const expired = await join(url);
    expect(expired.status).toBe(403);
    expect((await json(expired)).error.code).toBe("url_expired");
  });

  it("binds a join URL to one service and to bootstrap, and drops it with its key", async () => {
    const { r, mint, join } = await setUp();
    await r.heartbeat("other", blixardNode(1));
    const { url } = await mint({ service: "bx", file: "bootstrap" });
    const cap = url.split("/join/")[1] as string;
    const [expires, , sig] = cap.split(".") as [string, string, string];
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === "A" ? "B" : "A"}${sig.at(-1)}`;
    for (const tampered of [
      url.replace("/services/bx/", "/services/other/"),
      url.replace(`${expires}.`, `${Number(expires) + 3600}.`),
      url.replace(sig, flipped),
      url.replace(".k1.", ".k9."),
      url.replace(`.${sig}`, ""),
    ]) {
      const res = await join(tampered);
      expect(res.status, tampered).toBe(401);
      expect((await json(res)).error.code).toBe("bad_signature");
    }
    // It reads bootstrap and nothing else, and never writes.
    const local = url.replace("https://muster.example", "http://x");
    expect((await r.app.request(`${local}/peers.json`)).status).toBe(401);
    expect((await r.app.request(local, { method: "POST" })).status).toBe(401);
    // Rotation: the same table behind an app whose key set no longer has k1.
    const rotated = await testRegistry(engine, {
      security: { presign: new StaticPresignKeys(K2) },
    });
    await rotated.heartbeat("bx", blixardNode(2));
    const dead = await join(url, rotated.app);
    expect(dead.status).toBe(401);
    expect((await json(dead)).error.code).toBe("bad_signature");
  });

  it("refuses iroh ids Blixard cannot decode, and addresses it cannot dial, naming the field", async () => {
    const { r } = await setUp();
    const key = Buffer.from(irohNodeId(1), "base64");
    const identity = Buffer.alloc(32);
    identity[0] = 1; // the curve's identity point: small order
    const refused: [Record<string, unknown>, string][] = [
      [{ iroh_node_id: "not base64 !!" }, "iroh_node_id"],
      // Hex is taken (see below), but only of a key.
      [{ iroh_node_id: "ff".repeat(32) }, "iroh_node_id"],
      [{ iroh_node_id: key.toString("base64url").replace(/=*$/, "") }, "iroh_node_id"],
      [{ iroh_node_id: key.subarray(0, 31).toString("base64") }, "iroh_node_id"],
      [{ iroh_node_id: Buffer.alloc(32, 0xff).toString("base64") }, "iroh_node_id"],
      [{ iroh_node_id: identity.toString("base64") }, "iroh_node_id"],
      [{ direct_addresses: ["node-1.internal:7001"] }, "direct_addresses.0"],
      [{ direct_addresses: ["10.0.0.1"] }, "direct_addresses.0"],
      [{ cluster_node_id: -1 }, "cluster_node_id"],
      [{ cluster_node_id: 2 ** 53 }, "cluster_node_id"],
    ];
    for (const [bad, field] of refused) {
      const res = await r.heartbeat("bx", blixardNode(1, bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const body = await json(res);
      expect(new Set(body.error.issues.map((i: { path: string }) => i.path))).toEqual(
        new Set([field]),
      );
    }
    expect(
      (await r.heartbeat("bx", blixardNode(1, { direct_addresses: ["[2001:db8::1]:7001"] })))
        .status,
    ).toBe(201);
  });

  it("takes an iroh id in hex (as iroh prints it) and keeps it in base64", async () => {
    const r = await testRegistry(engine);
    const res = await r.heartbeat("bx", blixardNode(4, { iroh_node_id: irohHexId(4) }));
    expect(res.status).toBe(201);
    const entry = await json(await r.get("/v1/services/bx/instances/node-4/registry.json"));
    expect(entry.iroh_node_id).toBe(irohNodeId(4));
    const upper = await r.heartbeat(
      "bx",
      blixardNode(5, { iroh_node_id: irohHexId(5).toUpperCase() }),
    );
    expect(upper.status).toBe(201);
    const five = await json(await r.get("/v1/services/bx/instances/node-5/registry.json"));
    expect(five.iroh_node_id).toBe(irohNodeId(5));
  });

  it("refuses one Blixard id without the other, naming the missing field", async () => {
    const r = await testRegistry(engine);
    const { cluster_node_id: _c, ...noCluster } = blixardNode(6);
    const a = await r.heartbeat("bx", noCluster);
    expect(a.status).toBe(400);
    expect((await json(a)).error.issues).toEqual([
      {
        path: "cluster_node_id",
        message: "is required with iroh_node_id: a Blixard node sends both",
      },
    ]);
    const { iroh_node_id: _i, ...noIroh } = blixardNode(7);
    const b = await r.heartbeat("bx", noIroh);
    expect(b.status).toBe(400);
    expect((await json(b)).error.issues).toEqual([
      {
        path: "iroh_node_id",
        message: "is required with cluster_node_id: a Blixard node sends both",
      },
    ]);
    const hexish = await r.heartbeat("bx", blixardNode(8, { iroh_node_id: "ab".repeat(31) }));
    expect(hexish.status).toBe(400);
    expect((await json(hexish)).error.issues[0]).toEqual({
      path: "iroh_node_id",
      message:
        "must be the 32-byte key in standard base64 (with padding), or in hex (64 characters)",
    });
  });
});
