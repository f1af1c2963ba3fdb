import { describe, expect, it } from "vitest";
import { FloodGuard } from "./flood-guard.js";
import { TokenBuckets } from "./rate-limit.js";

describe("TokenBuckets", () => {
  it("allows a burst, then the rate, per key, and says how long to wait", () => {
    const clock = { ms: 0 };
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 4, now: () => clock.ms });
    for (let i = 0; i < 4; i++) expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take("b").ok).toBe(true);
    clock.ms += 500; // one request's worth at 2/s
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(false);
    clock.ms += 60_000; // refills to the burst, never beyond
    for (let i = 0; i < 4; i++) expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(false);
  });

  it("forgets the least recently used key when full, so made-up keys cannot grow memory", () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, now: () => 0, maxKeys: 2 });
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("b").ok).toBe(true);
    expect(buckets.take("c").ok).toBe(true); // evicts a
    expect(buckets.take("a").ok).toBe(true); // a fresh bucket again, evicting b
    expect(buckets.take("c").ok).toBe(false);
  });
});

describe("FloodGuard", () => {
  it("admits one identical heartbeat at a time and none under the floor; a change goes through", () => {
    const clock = { ms: 0 };
    const guard = new FloodGuard({ now: () => clock.ms });
    const first = guard.admit("s", "n1", "tok_a", "h1", 6000);
    expect(first.ok).toBe(true);
    expect(guard.admit("s", "n1", "tok_a", "h1", 6000)).toEqual({
      ok: false,
      retryAfterSeconds: 6,
    });
    // Another token, another instance, another content: not this guard's business.
    expect(guard.admit("s", "n1", "tok_b", "h1", 6000).ok).toBe(true);
    if (first.ok) first.done(true);
    clock.ms = 2000;
    expect(guard.admit("s", "n2", "tok_a", "h1", 6000).ok).toBe(true);
    expect(guard.admit("s", "n1", "tok_a", "h2", 6000).ok).toBe(true);
  });

  it("remembers only accepted writes: a refused or failed one lets the next try", () => {
    const clock = { ms: 0 };
    const guard = new FloodGuard({ now: () => clock.ms });
    const a = guard.admit("s", "n1", "tok_a", "h1", 6000);
    if (a.ok) a.done(false);
    expect(guard.admit("s", "n1", "tok_a", "h1", 6000).ok).toBe(true);
  });

  it("counts the floor from the accepted write", () => {
    const clock = { ms: 10_000 };
    const guard = new FloodGuard({ now: () => clock.ms });
    const a = guard.admit("s", "n1", "tok_a", "h1", 6000);
    if (a.ok) a.done(true);
    clock.ms = 14_500;
    expect(guard.admit("s", "n1", "tok_a", "h1", 6000)).toEqual({
      ok: false,
      retryAfterSeconds: 2,
    });
    clock.ms = 16_000;
    expect(guard.admit("s", "n1", "tok_a", "h1", 6000).ok).toBe(true);
  });
});
