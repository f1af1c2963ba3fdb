import { describe, expect, it } from "vitest";
import { MAX_BATCH_ITEMS } from "../../shared/http/routes/heartbeat-batch.js";
import { engines } from "../engines/index.js";
import { blixardNode, json, TOKEN_A, TOKEN_B, testRegistry } from "../support/registry.js";

const batch = (r: Awaited<ReturnType<typeof testRegistry>>, body: unknown, token = TOKEN_A) =>
  r.app.request("/v1/heartbeats", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe.each(engines())("POST /v1/heartbeats (batch) on $name", (engine) => {
  it("registers many instances in one request, each answered as the single endpoint would", async () => {
    const r = await testRegistry(engine);
    const res = await batch(r, {
      heartbeats: [
        { service: "blixard", ...blixardNode(1), ttl: 60 },
        { service: "blixard", ...blixardNode(2) },
        { service: "engram", id: "e-1", address: "10.0.0.9:7946" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { results } = await json(res);
    expect(results.map((x: { status: number }) => x.status)).toEqual([201, 201, 201]);
    expect(results[0].body).toMatchObject({ service: "blixard", id: "node-1", ttl: 60 });
    expect(results[2].body).toMatchObject({ service: "engram", id: "e-1", ttl: 135 });
    const listed = await json(await r.get("/v1/services/blixard/instances"));
    expect(listed.instances.map((i: { id: string }) => i.id)).toEqual(["node-1", "node-2"]);

    // A renewal with changed content: 200, like the single endpoint.
    const again = await json(
      await batch(r, {
        heartbeats: [{ service: "blixard", ...blixardNode(1), ttl: 60, weight: 5 }],
      }),
    );
    expect(again.results[0].status).toBe(200);
  });

  it("keeps validation, ownership, scope and the floor per item", async () => {
    const r = await testRegistry(engine);
    expect((await r.heartbeat("blixard", blixardNode(3), TOKEN_B)).status).toBe(201);
    const { token } = await r.mint({ name: "a-fleet", role: "register", services: ["a"] });
    expect(
      (await batch(r, { heartbeats: [{ service: "a", id: "x", address: "10.0.0.1:1" }] }, token))
        .status,
    ).toBe(200);
    const { results } = await json(
      await batch(
        r,
        {
          heartbeats: [
            { service: "a", id: "x", address: "10.0.0.1:1" }, // same content again: floor
            { service: "a", id: "y", address: "not an address" },
            { service: "b", id: "z", address: "10.0.0.1:1" }, // outside the token's scope
            { service: "a", id: "w", address: "10.0.0.1:1", colour: "red" },
          ],
        },
        token,
      ),
    );
    expect(results.map((x: { status: number }) => x.status)).toEqual([429, 400, 403, 400]);
    expect(results[0].retry_after).toBeGreaterThan(0);
    expect(results[0].body.error.code).toBe("too_many_requests");
    expect(results[1].body.error.issues[0].path).toBe("address");
    expect(results[3].body.error.issues).toEqual([
      { path: "colour", message: "is not a known field" },
    ]);

    // Another token's instance: 409 for that item only.
    const mixed = await json(
      await batch(r, {
        heartbeats: [
          { service: "blixard", ...blixardNode(3) },
          { service: "blixard", ...blixardNode(4) },
        ],
      }),
    );
    expect(mixed.results.map((x: { status: number }) => x.status)).toEqual([409, 201]);
  });

  it("applies the live-instance caps per item", async () => {
    const r = await testRegistry(engine, {
      security: { caps: { maxPerService: 2, maxPerToken: 0, countSeconds: 0 } },
    });
    const { results } = await json(
      await batch(r, {
        heartbeats: [1, 2, 3].map((n) => ({
          service: "capped",
          id: `n-${n}`,
          address: "10.0.0.1:1",
        })),
      }),
    );
    expect(results.map((x: { status: number }) => x.status)).toEqual([201, 201, 403]);
    expect(results[2].body.error.code).toBe("quota_exceeded");
    const listed = await json(await r.get("/v1/services/capped/instances"));
    expect(listed.instances).toHaveLength(2);
  });

  it("refuses a malformed batch as a whole, naming the field", async () => {
    const r = await testRegistry(engine);
    const empty = await batch(r, { heartbeats: [] });
    expect(empty.status).toBe(400);
    expect((await json(empty)).error.issues[0].path).toBe("heartbeats");
    const tooMany = await batch(r, {
      heartbeats: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({
        service: "s",
        id: `i-${i}`,
        address: "10.0.0.1:1",
      })),
    });
    expect(tooMany.status).toBe(400);
    const badService = await batch(r, {
      heartbeats: [{ service: "Not_A_Label", id: "a", address: "10.0.0.1:1" }],
    });
    expect(badService.status).toBe(400);
    expect((await json(badService)).error.issues[0].path).toBe("heartbeats.0.service");
    const anonymous = await r.app.request("/v1/heartbeats", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ heartbeats: [{ service: "s", id: "a", address: "10.0.0.1:1" }] }),
    });
    expect(anonymous.status).toBe(401);
  });
});
