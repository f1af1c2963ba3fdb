import { describe, expect, it } from "vitest";
import { EventTotals } from "./event-totals.js";

describe("EventTotals", () => {
  it("holds counts until the flush period has passed, then hands them out once", () => {
    let now = 1_000;
    const totals = new EventTotals({ flushMs: 60_000, now: () => now });
    totals.add("heartbeat");
    totals.add("heartbeat");
    totals.add("deregistration");
    now += 59_999;
    expect(totals.due()).toBeUndefined();
    now += 1;
    expect(totals.due()).toEqual(
      new Map([
        ["heartbeat", 2],
        ["deregistration", 1],
      ]),
    );
    expect(totals.due()).toBeUndefined();
    totals.add("heartbeat");
    now += 30_000;
    expect(totals.due()).toBeUndefined();
  });

  it("makes a store outage due at once, with whatever else was counted", () => {
    const totals = new EventTotals({ flushMs: 60_000, now: () => 5 });
    totals.add("heartbeat");
    totals.add("store_unavailable");
    expect(totals.due()).toEqual(
      new Map([
        ["heartbeat", 1],
        ["store_unavailable", 1],
      ]),
    );
  });

  it("has nothing due when nothing happened", () => {
    let now = 0;
    const totals = new EventTotals({ flushMs: 10, now: () => now });
    now = 1_000;
    expect(totals.due()).toBeUndefined();
  });
});
