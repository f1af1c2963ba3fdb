import { beforeAll, describe, expect, it } from "vitest";
import { engine } from "../engines/index.js";
import { json, type TestRegistry, TOKEN_A, testRegistry } from "../support/registry.js";

describe("GET /v1/http_sd (Prometheus HTTP service discovery)", () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await testRegistry(engine("sqlite"), { publicServices: ["web"] });
    const beats: [string, Record<string, unknown>][] = [
      [
        "web",
        {
          id: "node-1",
          address: "10.0.0.1:9100",
          tags: ["eu", "canary"],
          metadata: { "rack.id": "r-7", zone: "a" },
        },
      ],
      ["web", { id: "node-2", address: "[fd00::2]:9100", status: "critical" }],
      ["db", { id: "db-1", address: "db1.example.internal:9187" }],
    ];
    for (const [service, beat] of beats) {
      expect((await r.heartbeat(service, beat)).status).toBe(201);
    }
  });

  it("lists every readable service's instances as target groups with __meta_muster_* labels", async () => {
    const res = await r.get("/v1/http_sd");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual([
      {
        targets: ["db1.example.internal:9187"],
        labels: {
          __meta_muster_service: "db",
          __meta_muster_id: "db-1",
          __meta_muster_status: "passing",
          __meta_muster_source: "heartbeat",
        },
      },
      {
        targets: ["10.0.0.1:9100"],
        labels: {
          __meta_muster_service: "web",
          __meta_muster_id: "node-1",
          __meta_muster_status: "passing",
          __meta_muster_source: "heartbeat",
          __meta_muster_tags: ",eu,canary,",
          __meta_muster_metadata_rack_id: "r-7",
          __meta_muster_metadata_zone: "a",
        },
      },
      {
        targets: ["[fd00::2]:9100"],
        labels: {
          __meta_muster_service: "web",
          __meta_muster_id: "node-2",
          __meta_muster_status: "critical",
          __meta_muster_source: "heartbeat",
        },
      },
    ]);
  });

  it("narrows with ?service=, and shows a scoped token only its services", async () => {
    const db = await json(await r.get("/v1/http_sd?service=db"));
    expect(db.map((g: { labels: Record<string, string> }) => g.labels.__meta_muster_id)).toEqual([
      "db-1",
    ]);
    const { token } = await r.mint({ name: "prom", role: "read", services: ["db"] });
    const scoped = await json(await r.get("/v1/http_sd", {}, token));
    // db by scope, web because it is public.
    expect(scoped).toHaveLength(3);
    const { token: other } = await r.mint({ name: "prom2", role: "read", services: ["none"] });
    const onlyPublic = await json(await r.get("/v1/http_sd", {}, other));
    expect(
      onlyPublic.map((g: { labels: Record<string, string> }) => g.labels.__meta_muster_service),
    ).toEqual(["web", "web"]);
    expect((await r.get("/v1/http_sd?service=db", {}, other)).status).toBe(403);
  });

  it("serves public services without a token, and refuses bad input with 4xx naming the field", async () => {
    const anonymous = await r.get("/v1/http_sd", {}, null);
    expect(anonymous.status).toBe(200);
    expect((await json(anonymous)).map((g: { targets: string[] }) => g.targets[0])).toEqual([
      "10.0.0.1:9100",
      "[fd00::2]:9100",
    ]);
    expect((await r.get("/v1/http_sd?service=db", {}, null)).status).toBe(401);
    const bad = await r.get("/v1/http_sd?service=Not_A_Label", {}, TOKEN_A);
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe("service");
  });

  it("needs a token when no service is public", async () => {
    const closed = await testRegistry(engine("sqlite"));
    const res = await closed.get("/v1/http_sd", {}, null);
    expect(res.status).toBe(401);
  });
});
