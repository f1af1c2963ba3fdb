import { describe, expect, it } from "vitest";
import { engines } from "../engines/index.js";
import { json, testRegistry } from "../support/registry.js";

const CAP = 5;
const RACERS = 20;
const node = (i: number) => ({ id: `n${String(i).padStart(2, "0")}`, address: `10.0.0.${i}:80` });

describe.each(engines())("instance caps under concurrent creations on $name", (engine) => {
  it(`admits exactly the cap when ${RACERS} creations race for ${CAP} slots`, async () => {
    const r = await testRegistry(engine, {
      security: { caps: { maxPerService: CAP, maxPerToken: 0, countSeconds: 10 } },
    });
    const answers = await Promise.all(
      Array.from({ length: RACERS }, (_, i) => r.heartbeat("a", node(i))),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(CAP);
    expect(statuses.filter((s) => s === 403)).toHaveLength(RACERS - CAP);
    const admitted = answers.flatMap((a, i) => (a.status === 201 ? [node(i).id] : []));
    const { instances } = await json(await r.get("/v1/services/a/instances"));
    // Nothing refused is left behind, and what was admitted is what is live.
    expect(instances.map((i: { id: string }) => i.id)).toEqual(admitted);
    // Full now: one more is refused, a renewal of an admitted one is not.
    expect((await r.heartbeat("a", node(RACERS))).status).toBe(403);
    expect((await r.heartbeat("a", { ...node(0), ...{ id: admitted[0] }, weight: 2 })).status).toBe(
      200,
    );
  });

  it("admits exactly a scoped token's cap under concurrent creations in two services", async () => {
    const r = await testRegistry(engine, {
      security: { caps: { maxPerService: 0, maxPerToken: 3 } },
    });
    const { token } = await r.mint({ name: "w", role: "register", services: ["web-*"] });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => r.heartbeat(i % 2 ? "web-a" : "web-b", node(i), token)),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    const listed = await json(await r.get("/v1/services"));
    const live = listed.services.reduce(
      (n: number, s: { instances: number }) => n + s.instances,
      0,
    );
    expect(live).toBe(3);
  });
});
