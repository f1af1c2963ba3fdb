import { describe, expect, it } from "vitest";
import {
  type ConsulMeasured,
  LOOPS,
  readConsulMeasured,
  watcherCycle,
  watcherMonthly,
} from "./consul.js";
import { PRICES, SECONDS_PER_MONTH } from "./prices.js";

const zero = { read: 0, write: 0 };
const measured: ConsulMeasured = {
  measuredAt: "2026-12-01",
  engine: "test",
  instances: 10,
  readUnitsFirstRead: { read: 11, write: 0 },
  readUnitsKeptRead: { read: 1, write: 0 },
  unitsGrantedReask: { read: 1, write: 1 },
  unitsRefusedReaskElsewhere: { read: 1, write: 0 },
  unitsRefusedReaskHere: zero,
  unitsCheckUpdate: zero,
  unitsRepeatedPass: zero,
  healthCpuMs: 2,
  healthResponseBytes: 0,
};

describe("a Consul watcher's loop on Lambda", () => {
  it("meets a Go watch plan's retries: refused once, answered on its second retry at 25 s", () => {
    expect(watcherCycle(LOOPS.goWatchPlan, { waitSeconds: 0, reaskSeconds: 25 })).toEqual({
      cycleSeconds: 25,
      refusals: 2,
    });
    expect(watcherCycle(LOOPS.goWatchPlan, { waitSeconds: 0, reaskSeconds: 5 })).toEqual({
      cycleSeconds: 5,
      refusals: 1,
    });
    // Held 10 s, then the interval after the answer.
    expect(watcherCycle(LOOPS.goWatchPlan, { waitSeconds: 10, reaskSeconds: 5 })).toEqual({
      cycleSeconds: 15,
      refusals: 1,
    });
    // Prometheus asks every 30 s: never refused at 25.
    expect(watcherCycle(LOOPS.prometheus, { waitSeconds: 0, reaskSeconds: 25 })).toEqual({
      cycleSeconds: 30,
      refusals: 0,
    });
    expect(watcherCycle(LOOPS.eager, { waitSeconds: 0, reaskSeconds: 25 })).toEqual({
      cycleSeconds: 25,
      refusals: 25,
    });
  });

  it("prices a cycle by hand", () => {
    const s = {
      waitSeconds: 0,
      reaskSeconds: 30,
      memoryMb: 1024,
      dynamoLatencyMs: 1,
      pollSeconds: 1,
      keptViewSeconds: 30,
    };
    const e = watcherMonthly(LOOPS.prometheus, s, measured, PRICES);
    // Answered every 30 s: a request, 5 ms of 1 GB, 1 read + 1 write, and the list (10 reads) once.
    const answer =
      PRICES.lambdaRequest.usd +
      0.005 * PRICES.lambdaArmGbSecond.usd +
      11 * PRICES.dynamoReadRequestUnit.usd +
      PRICES.dynamoWriteRequestUnit.usd;
    expect(e.refusals).toBe(0);
    expect(e.perMonth).toBeCloseTo((SECONDS_PER_MONTH / 30) * answer, 8);
  });

  it("reads the measurements the bench wrote", () => {
    expect(readConsulMeasured().instances).toBeGreaterThan(0);
  });
});
