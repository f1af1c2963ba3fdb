import { describe, expect, it } from "vitest";
import { ChangeLog } from "./change-log.js";
import { Membership } from "./membership.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const seen = (
  status: "passing" | "warning" | "critical",
  expiresAt: number,
  address = "10.0.0.1:80",
) => ({
  status,
  source: "heartbeat",
  address,
  expiresAt,
});
const lines = (log: ChangeLog, nowMs: number) =>
  log
    .recent(() => true, 100, nowMs)
    .map((c) =>
      `${c.at - T0} ${c.service}/${c.id} ${c.change} ${c.reason ?? c.previousStatus ?? ""}`.trim(),
    );

describe("the membership recorder", () => {
  it("records a creation as a join, a status change as one, and a plain renewal as nothing", () => {
    const log = new ChangeLog();
    const m = new Membership(log);
    m.live("web", "a", seen("passing", T0 / 1000 + 60), T0, true);
    m.live("web", "a", seen("passing", T0 / 1000 + 70), T0 + 10_000, false);
    m.live("web", "a", seen("critical", T0 / 1000 + 80), T0 + 20_000, false);
    expect(lines(log, T0 + 20_000)).toEqual(["20000 web/a status passing", "0 web/a joined"]);
    expect(log.lastChange("web")).toBe(T0 + 20_000);
    expect(log.lastChange("db")).toBeUndefined();
  });

  it("records a lease that ran out as a leave at the second it ended, once", () => {
    const log = new ChangeLog();
    const m = new Membership(log);
    m.live("web", "a", seen("passing", T0 / 1000 + 5), T0, true);
    m.live("web", "b", seen("passing", T0 / 1000 + 60), T0, true);
    // Live while the clock's second is below expires_at; gone at that second.
    m.sweep(T0 + 4_999);
    expect(m.size).toBe(2);
    m.sweep(T0 + 5_000);
    m.sweep(T0 + 9_000);
    expect(m.size).toBe(1);
    expect(lines(log, T0 + 9_000)).toEqual([
      "5000 web/a left expired",
      "0 web/b joined",
      "0 web/a joined",
    ]);
    // A renewal moves the lease: the old end records nothing.
    m.live("web", "b", seen("passing", T0 / 1000 + 120), T0 + 50_000, false);
    m.sweep(T0 + 61_000);
    expect(m.size).toBe(1);
  });

  it("records deregistrations and removals with what it knew, and forgets a withdrawn creation", () => {
    const log = new ChangeLog();
    const m = new Membership(log);
    m.live("web", "a", seen("warning", T0 / 1000 + 60, "10.0.0.9:80"), T0, true);
    m.gone("web", "a", "deregistered", T0 + 1000);
    m.gone("web", "never-seen", "removed", T0 + 2000);
    m.live("web", "capped", seen("passing", T0 / 1000 + 60), T0 + 3000, true);
    m.withdrawn("web", "capped");
    const changes = log.recent(() => true, 10, T0 + 3000);
    expect(changes.map((c) => `${c.id} ${c.change} ${c.reason ?? ""}`.trim())).toEqual([
      "never-seen left removed",
      "a left deregistered",
      "a joined",
    ]);
    expect(changes[1]).toMatchObject({
      status: "warning",
      address: "10.0.0.9:80",
      source: "heartbeat",
    });
    expect(changes[0]).toMatchObject({ status: null, address: null, source: null });
    expect(m.knows("web", "capped")).toBe(false);
  });

  it("knows instances live before it began without recording them, and renewals of unknown ones quietly", () => {
    const log = new ChangeLog();
    const m = new Membership(log);
    m.seed("web", "old", seen("passing", T0 / 1000 + 30));
    m.live("web", "unseen", seen("critical", T0 / 1000 + 30), T0, false);
    expect(lines(log, T0)).toEqual([]);
    m.live("web", "old", seen("warning", T0 / 1000 + 40), T0 + 1000, false);
    m.sweep(T0 + 35_000);
    expect(lines(log, T0 + 35_000)).toEqual([
      "30000 web/unseen left expired",
      "1000 web/old status passing",
    ]);
  });

  it("keeps the newest changes up to its capacity, filtered by service, and signals each one", () => {
    const log = new ChangeLog({ capacity: 3 });
    let signals = 0;
    log.feed.subscribe("changes", () => signals++);
    const m = new Membership(log);
    for (let i = 0; i < 5; i++)
      m.live(i % 2 ? "db" : "web", `n${i}`, seen("passing", T0 / 1000 + 60), T0 + i, true);
    expect(signals).toBe(5);
    expect(log.recent(() => true, 10, T0).map((c) => c.id)).toEqual(["n4", "n3", "n2"]);
    expect(log.recent((s) => s === "web", 10, T0).map((c) => c.id)).toEqual(["n4", "n2"]);
    expect(log.recent(() => true, 1, T0).map((c) => c.id)).toEqual(["n4"]);
    // Past the capacity, a service's last change is still known.
    expect(log.lastChange("web")).toBe(T0 + 4);
  });
});
