import { describe, expect, it } from "vitest";
import { engine } from "../engines/index.js";
import { type TestRegistry, testRegistry } from "../support/registry.js";

/**
 * Issue 22, item 3: 2,000 legitimate `?wait=300` reads on a 300-instance peers.txt, and
 * renewals that leave the file as it was. Each renewal used to wake every waiting read, each
 * rendering the list again alone (177 ms a renewal, a whole core at 7 renewals/s). Counted
 * here, not timed: one rendering per change for all of them, and nobody woken by a renewal
 * that changes nothing served. The latency at 7 renewals/s is `npm run bench`'s.
 */
const SERVICE = "herd";
const INSTANCES = 300;
const WAITERS = 2000;
const PATH = `/v1/services/${SERVICE}/peers.txt`;

const member = (n: number, seq = 0) => ({
  id: `node-${n}`,
  address: `10.7.${n >> 8}.${n & 255}:11625`,
  ttl: 3600,
  // A renewal with a new seq is a real write (it passes the ttl/10 floor) that peers.txt,
  // one address a line, does not show.
  metadata: { seq: String(seq) },
});

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

/** Lets every callback queued by the last write run (the group renders after an immediate). */
const settle = () => new Promise((r) => setTimeout(r, 50));

async function herd(r: TestRegistry, etag: string) {
  const settled: Response[] = [];
  const pending = Array.from({ length: WAITERS }, () =>
    Promise.resolve(r.get(`${PATH}?wait=300`, { "If-None-Match": etag })).then((res) => {
      settled.push(res);
      return res;
    }),
  );
  await until("every read to wait", () => r.waits.waiting(SERVICE) === WAITERS);
  return { settled, pending };
}

describe("waiting reads of one file (issue 22, item 3)", () => {
  it("render once per change for all 2,000, and sleep through renewals that change nothing served", async () => {
    const r = await testRegistry(engine("sqlite"), { maxWaitSeconds: 300, answers: true });
    const answers = r.answers as NonNullable<TestRegistry["answers"]>;
    for (let n = 0; n < INSTANCES; n += 50) {
      const batch = Array.from({ length: 50 }, (_, i) => r.heartbeat(SERVICE, member(n + i)));
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    const first = await r.get(PATH);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") as string;
    expect((await first.text()).split("\n")).toHaveLength(INSTANCES + 1);

    const { settled, pending } = await herd(r, etag);
    // One subscription to the feed for the whole herd.
    expect(r.changes.waiting(SERVICE)).toBe(1);

    for (let seq = 1; seq <= 7; seq++) {
      const before = answers.counts.renders;
      const renewal = await r.heartbeat(SERVICE, member(seq * 11, seq));
      expect(renewal.status).toBe(200);
      await until("the herd's rendering", () => answers.counts.renders > before);
      await settle();
      expect(answers.counts.renders - before, `renders for renewal ${seq}`).toBe(1);
      expect(settled, `answered by renewal ${seq}`).toHaveLength(0);
      expect(r.waits.waiting(SERVICE)).toBe(WAITERS);
    }

    // A plain read meanwhile is the herd's rendering, not a new one.
    const renders = answers.counts.renders;
    const again = await r.get(PATH);
    expect(again.headers.get("etag")).toBe(etag);
    expect(answers.counts.renders).toBe(renders);

    // A change that is served: one rendering, and every waiting read answered with it.
    expect((await r.heartbeat(SERVICE, member(INSTANCES))).status).toBe(201);
    const answered = await Promise.all(pending);
    expect(answers.counts.renders - renders).toBe(1);
    const etags = new Set(answered.map((res) => res.headers.get("etag")));
    expect([...etags]).toHaveLength(1);
    expect(etags.has(etag)).toBe(false);
    expect(new Set(answered.map((res) => res.status))).toEqual(new Set([200]));
    const bodies = new Set(await Promise.all(answered.map((res) => res.text())));
    expect(bodies.size).toBe(1);
    expect([...bodies][0]?.split("\n")).toHaveLength(INSTANCES + 2);
    expect(r.waits.waiting()).toBe(0);
    expect(r.changes.waiting()).toBe(0);
  }, 60_000);

  it("answer each waiter by its own ETag: one rendering wakes those it changed for only", async () => {
    const r = await testRegistry(engine("sqlite"), { maxWaitSeconds: 300, answers: true });
    await r.heartbeat(SERVICE, member(1));
    const old = (await r.get(PATH)).headers.get("etag") as string;
    await r.heartbeat(SERVICE, member(2));
    const now = (await r.get(PATH)).headers.get("etag") as string;
    // A waiter behind the times is answered at once; one up to date waits.
    const behind = await r.get(`${PATH}?wait=300`, { "If-None-Match": old });
    expect(behind.status).toBe(200);
    expect(behind.headers.get("etag")).toBe(now);
    const current = r.get(`${PATH}?wait=1`, { "If-None-Match": now });
    await until("the read to wait", () => r.waits.waiting(SERVICE) === 1);
    expect((await r.heartbeat(SERVICE, member(2, 1))).status).toBe(200);
    const res = await current;
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(now);
    expect(r.waits.waiting()).toBe(0);
  });

  it("release a waiting read whose client went away, and the group with its last one", async () => {
    const r = await testRegistry(engine("sqlite"), { maxWaitSeconds: 300, answers: true });
    await r.heartbeat(SERVICE, member(1));
    const etag = (await r.get(PATH)).headers.get("etag") as string;
    const gone = new AbortController();
    const read = r.app.request(`${PATH}?wait=300`, {
      headers: { Authorization: "Bearer token-a-0123456789abcdef", "If-None-Match": etag },
      signal: gone.signal,
    });
    await until("the read to wait", () => r.waits.waiting(SERVICE) === 1);
    gone.abort();
    expect((await read).status).toBe(304);
    expect(r.waits.waiting()).toBe(0);
    expect(r.changes.waiting()).toBe(0);
  });
});
