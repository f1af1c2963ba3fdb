import { describe, expect, it } from "vitest";
import { isoSeconds } from "../../shared/model/instance.js";
import { engines } from "../engines/index.js";
import { instanceFields } from "../support/instances.js";
import { json, testRegistry } from "../support/registry.js";

const node = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  address: `10.0.0.${id.length}:80`,
  ttl: 60,
  ...extra,
});

describe.each(engines())("the services list and the change feed on $name", (engine) => {
  it("counts each service by status and by source, says whether it is public, and when it last changed", async () => {
    const r = await testRegistry(engine, { publicServices: ["open"] });
    const t0 = r.clock.ms;
    await r.heartbeat("web", node("a"));
    await r.heartbeat("web", node("bb", { status: "warning" }));
    r.advance(3);
    await r.heartbeat("web", node("ccc", { status: "critical" }));
    // A source's instance (the reconciler's write), counted under its own source.
    const written = await r.store.upsertSourced({
      service: "web",
      id: "i-0abc",
      fields: instanceFields({ address: "10.0.1.1:80" }),
      source: "ec2",
      leaseSeconds: 180,
      registeredAtMs: t0,
      nowMs: r.clock.ms,
    });
    expect(written).toBe("written");
    await r.heartbeat("open", node("o"));
    const { services } = await json(await r.get("/v1/services"));
    expect(services).toEqual([
      {
        name: "open",
        instances: 1,
        passing: 1,
        warning: 0,
        critical: 0,
        sources: { heartbeat: 1 },
        public: true,
        last_change: isoSeconds(t0 + 3000),
      },
      {
        name: "web",
        instances: 4,
        passing: 2,
        warning: 1,
        critical: 1,
        sources: { heartbeat: 3, ec2: 1 },
        public: false,
        // The newest join: ccc, three seconds in (the ec2 instance kept its first registration).
        last_change: isoSeconds(t0 + 3000),
      },
    ]);
    // A status change is counted at once (DynamoDB keeps counts: the change invalidates them).
    await r.heartbeat("web", node("ccc", { status: "passing" }));
    const [, web] = (await json(await r.get("/v1/services"))).services;
    expect([web.passing, web.warning, web.critical]).toEqual([3, 1, 0]);
  });

  it("lists the joins the table holds, newest first, within the caller's scope", async () => {
    const r = await testRegistry(engine);
    await r.heartbeat("web", node("a"));
    r.advance(2);
    await r.heartbeat("web", node("bb", { status: "warning" }));
    r.advance(2);
    await r.heartbeat("db", node("d"));
    const body = await json(await r.get("/v1/changes"));
    expect(body.kinds).toEqual(["joined"]);
    expect(
      body.changes.map((c: { service: string; id: string }) => `${c.service}/${c.id}`),
    ).toEqual(["db/d", "web/bb", "web/a"]);
    expect(body.changes[1]).toEqual({
      at: isoSeconds(r.clock.ms - 2000),
      service: "web",
      id: "bb",
      change: "joined",
      status: "warning",
      previous_status: null,
      source: "heartbeat",
      address: "10.0.0.2:80",
      reason: null,
    });
    expect((await json(await r.get("/v1/changes?limit=1"))).changes).toHaveLength(1);
    expect((await json(await r.get("/v1/changes?service=web"))).changes).toHaveLength(2);

    // A token for db sees nothing of web, and is refused web when it names it.
    const reader = await r.mint({ name: "db reader", role: "read", services: ["db"] });
    const scoped = await json(await r.get("/v1/changes", {}, reader.token));
    expect(scoped.changes.map((c: { id: string }) => c.id)).toEqual(["d"]);
    const refused = await r.get("/v1/changes?service=web", {}, reader.token);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.message).toBe(
      "this token is not allowed to read service web",
    );
    expect((await r.get("/v1/changes", {}, null)).status).toBe(401);

    for (const [query, path] of [
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=x", "limit"],
      ["service=Web!", "service"],
    ]) {
      const bad = await r.get(`/v1/changes?${query}`);
      expect(bad.status, query).toBe(400);
      expect((await json(bad)).error.issues[0].path).toBe(path);
    }
    // A read like the others: an ETag, a 304, signed where signing is on.
    const first = await r.get("/v1/changes");
    const etag = first.headers.get("etag") as string;
    expect((await r.get("/v1/changes", { "If-None-Match": etag })).status).toBe(304);
  });

  it("with local mode's log: joins, status changes, deregistrations and expiries, and ?wait=", async () => {
    const r = await testRegistry(engine, { changeLog: true, maxWaitSeconds: 5 });
    const t0 = r.clock.ms;
    await r.heartbeat("web", node("a", { ttl: 10 }));
    await r.heartbeat("web", node("bb"));
    r.advance(1);
    await r.heartbeat("web", node("bb", { status: "critical" }));
    // A renewal that changes nothing is no change.
    r.advance(6);
    await r.heartbeat("web", node("bb", { status: "critical" }));
    expect((await r.remove("web", "bb")).status).toBe(204);
    r.advance(4); // a's lease (10 s) has ended
    const body = await json(await r.get("/v1/changes"));
    expect(body.kinds).toEqual(["joined", "left", "status"]);
    const seen = body.changes.map(
      (c: { id: string; change: string; reason: string | null; previous_status: string | null }) =>
        [c.id, c.change, c.reason ?? c.previous_status ?? ""].join(" "),
    );
    expect(seen).toEqual([
      "a left expired",
      "bb left deregistered",
      "bb status passing",
      "bb joined ",
      "a joined ",
    ]);
    const expired = body.changes[0];
    expect(expired.at).toBe(isoSeconds(t0 + 10_000));
    expect(expired.status).toBe("passing");
    // The services list's last change is the newest leave once the service still lists.
    await r.heartbeat("web", node("c"));
    const [web] = (await json(await r.get("/v1/services"))).services;
    expect(web.last_change).toBe(isoSeconds(r.clock.ms));

    // A blocking read of the log answers as soon as something changes.
    const etag = (await r.get("/v1/changes")).headers.get("etag") as string;
    const waiting = r.get("/v1/changes?wait=5", { "If-None-Match": etag });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await r.heartbeat("web", node("dddd"));
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect((await json(woken)).changes[0]).toMatchObject({ id: "dddd", change: "joined" });
  });
});
