import { describe, expect, it } from "vitest";
import { instance } from "../../../test/support/instances.js";
import { ListCache } from "./list-cache.js";

describe("ListCache", () => {
  it("keeps a list until its first lease ends, however many leases it holds", () => {
    const cache = new ListCache();
    // More leases than V8 takes as spread arguments (about 125,000 here).
    const expiries = Array.from({ length: 200_000 }, (_, i) => 2_000 + (i % 1_000));
    expiries[123_456] = 1_500;
    const listed = [instance({ id: "node-1" })];
    // A miss that records the file's data_version, as SqliteStore.list's first read does.
    expect(cache.get("big", 1_000, 0)).toBeUndefined();
    cache.set("big", 1_000, listed, expiries);
    expect(cache.get("big", 1_499, 0)).toEqual(listed);
    expect(cache.get("big", 1_500, 0)).toBeUndefined();
  });
});
