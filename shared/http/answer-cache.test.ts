import { describe, expect, it } from "vitest";
import { ChangeFeed } from "../store/change-feed.js";
import { AnswerCache } from "./answer-cache.js";

/** A cache over a real feed, and a render that counts itself and says what it was. */
function setUp(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const feed = new ChangeFeed();
  const cache = new AnswerCache({ versions: feed, ...options });
  let made = 0;
  const render =
    (value: string, validUntilMs?: number, size = 10) =>
    async () => {
      made++;
      return { value: `${value}#${made}`, validUntilMs, size };
    };
  return { feed, cache, render, made: () => made };
}

describe("the answer cache", () => {
  it("keeps an answer until its service changes, and only that service's", async () => {
    const { feed, cache, render } = setUp();
    expect(await cache.get("web", "k", 0, render("web"))).toBe("web#1");
    expect(await cache.get("db", "d", 0, render("db"))).toBe("db#2");
    expect(await cache.get("web", "k", 5, render("web"))).toBe("web#1");
    feed.notify("db");
    expect(await cache.get("web", "k", 5, render("web"))).toBe("web#1");
    expect(await cache.get("db", "d", 5, render("db"))).toBe("db#3");
    feed.notify("web");
    expect(await cache.get("web", "k", 5, render("web"))).toBe("web#4");
    expect(cache.counts).toEqual({ renders: 4, hits: 2 });
  });

  it("makes it again once a lease in it ends, or when the clock went back", async () => {
    const { cache, render } = setUp();
    expect(await cache.get("web", "k", 1000, render("web", 2000))).toBe("web#1");
    expect(await cache.get("web", "k", 1999, render("web", 2000))).toBe("web#1");
    expect(await cache.get("web", "k", 2000, render("web", 3000))).toBe("web#2");
    expect(await cache.get("web", "k", 1500, render("web", 3000))).toBe("web#3");
  });

  it("shares one render among the readers that missed at once", async () => {
    const { cache, render, made } = setUp();
    const all = await Promise.all(
      Array.from({ length: 50 }, () => cache.get("web", "k", 0, render("web"))),
    );
    expect(new Set(all)).toEqual(new Set(["web#1"]));
    expect(made()).toBe(1);
  });

  it("does not keep a render that failed, nor one made across a write", async () => {
    const { feed, cache, render } = setUp();
    await expect(
      cache.get("web", "k", 0, async () => {
        throw new Error("store down");
      }),
    ).rejects.toThrow("store down");
    expect(cache.size).toBe(0);
    // The write lands while the render runs: what it made may predate the write.
    const during = await cache.get("web", "k", 0, async () => {
      feed.notify("web");
      return { value: "before", size: 1 };
    });
    expect(during).toBe("before");
    expect(await cache.get("web", "k", 0, render("web"))).toBe("web#1");
  });

  it("is bounded by count and by bytes, dropping the least recently used first", async () => {
    const { cache, render } = setUp({ maxEntries: 3, maxBytes: 1000 });
    for (const key of ["a", "b", "c"]) await cache.get("s", key, 0, render(key));
    await cache.get("s", "a", 0, render("a"));
    await cache.get("s", "d", 0, render("d"));
    expect(cache.size).toBe(3);
    // b was the least recently used: made again; a was kept.
    expect(await cache.get("s", "a", 0, render("a"))).toBe("a#1");
    expect(await cache.get("s", "b", 0, render("b"))).toBe("b#5");
    // Past the bytes: the others go; an answer over a quarter of the bound is not kept at all.
    await cache.get("s", "big", 0, render("big", undefined, 240));
    await cache.get("s", "huge", 0, render("huge", undefined, 251));
    expect(await cache.get("s", "huge", 0, render("huge", undefined, 251))).toBe("huge#8");
  });
});
