import { describe, expect, it } from "vitest";
import { TtlCache } from "./cache.js";

describe("TtlCache", () => {
  it("is fresh within the TTL, stale after, and gone past maxStale", () => {
    const clock = { ms: 0 };
    const cache = new TtlCache<string>({ ttlMs: 100, maxStaleMs: 1000, now: () => clock.ms });
    cache.set("k", "v", '"e1"');
    expect(cache.get("k")).toEqual({ value: "v", etag: '"e1"', fresh: true, ageMs: 0 });
    clock.ms = 100;
    expect(cache.get("k")?.fresh).toBe(false);
    clock.ms = 1100;
    expect(cache.get("k")?.value).toBe("v");
    clock.ms = 1101;
    expect(cache.get("k")).toBeUndefined();
  });

  it("keeps the last good answer for ever by default", () => {
    const clock = { ms: 0 };
    const cache = new TtlCache<number>({ ttlMs: 10, now: () => clock.ms });
    cache.set("k", 1, undefined);
    clock.ms = 365 * 24 * 3600 * 1000;
    expect(cache.get("k")).toMatchObject({ value: 1, fresh: false });
  });

  it("is fresh again after a revalidation (304)", () => {
    const clock = { ms: 0 };
    const cache = new TtlCache<number>({ ttlMs: 10, now: () => clock.ms });
    cache.set("k", 1, '"e"');
    clock.ms = 50;
    cache.touch("k");
    expect(cache.get("k")).toMatchObject({ value: 1, etag: '"e"', fresh: true });
  });

  it("evicts the least recently stored past maxEntries", () => {
    const cache = new TtlCache<number>({ ttlMs: 10, maxEntries: 2 });
    cache.set("a", 1, undefined);
    cache.set("b", 2, undefined);
    cache.set("a", 3, undefined);
    cache.set("c", 4, undefined);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.value).toBe(3);
    expect(cache.size).toBe(2);
  });
});
