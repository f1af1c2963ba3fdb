import { describe, expect, it } from "vitest";
import {
  clockSkew,
  duration,
  leaseLeft,
  relativeTime,
  sourcesByCount,
  statusLine,
} from "./format.js";

const T = Date.parse("2026-01-01T12:00:00Z");

describe("formatting", () => {
  it("says how long ago, or how long until", () => {
    expect(relativeTime(T, T + 1000)).toBe("just now");
    expect(relativeTime(T, T + 42_000)).toBe("42 s ago");
    expect(relativeTime(T, T + 185_000)).toBe("3 min ago");
    expect(relativeTime(T, T + 5 * 3600_000)).toBe("5 h ago");
    expect(relativeTime(T, T + 50 * 3600_000)).toBe("2 d ago");
    expect(relativeTime(T + 90_000, T)).toBe("in 1 min");
  });

  it("writes durations in the two largest units", () => {
    expect(duration(0)).toBe("0 s");
    expect(duration(-3)).toBe("0 s");
    expect(duration(45.9)).toBe("45 s");
    expect(duration(125)).toBe("2 min 5 s");
    expect(duration(120)).toBe("2 min");
    expect(duration(3780)).toBe("1 h 3 min");
    expect(duration(7200)).toBe("2 h");
    expect(duration(187_200)).toBe("2 d 4 h");
    expect(duration(172_800)).toBe("2 d");
  });

  it("measures the lease left against what the last heartbeat granted", () => {
    const lease = { last_seen: "2026-01-01T12:00:00Z", expires_at: "2026-01-01T12:01:00Z" };
    expect(leaseLeft(lease, T)).toEqual({ seconds: 60, fraction: 1 });
    expect(leaseLeft(lease, T + 45_000)).toEqual({ seconds: 15, fraction: 0.25 });
    expect(leaseLeft(lease, T + 90_000)).toEqual({ seconds: 0, fraction: 0 });
    expect(leaseLeft({ last_seen: "x", expires_at: "y" }, T).fraction).toBe(0);
  });

  it("summarises counts and sources", () => {
    expect(statusLine({ passing: 3, warning: 0, critical: 1 })).toBe("1 critical · 3 passing");
    expect(statusLine({ passing: 0, warning: 0, critical: 0 })).toBe("none");
    expect(sourcesByCount({ ec2: 1, heartbeat: 3, consul: 1, kubernetes: 0 })).toEqual([
      ["heartbeat", 3],
      ["consul", 1],
      ["ec2", 1],
    ]);
  });

  it("reads the server's clock from the Date header", () => {
    expect(clockSkew("Thu, 01 Jan 2026 12:00:05 GMT", T)).toBe(5000);
    expect(clockSkew(null, T)).toBe(0);
    expect(clockSkew("not a date", T)).toBe(0);
  });
});
