import { describe, expect, it } from "vitest";
import { seededRng } from "../rng.js";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles its ceiling up to the maximum, each delay in [ceiling/2, ceiling]", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, rng: seededRng(1) });
    const ceilings = [100, 200, 400, 800, 1000, 1000, 1000];
    for (const ceiling of ceilings) {
      const d = backoff.next();
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
    expect(backoff.attempts).toBe(ceilings.length);
  });

  it("starts over after a reset", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, rng: () => 1 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it("spreads a fleet: delays at one step are jittered across the upper half", () => {
    const rng = seededRng(7);
    const delays = Array.from({ length: 2000 }, () =>
      new Backoff({ initialMs: 1000, maxMs: 1000, rng }).next(),
    );
    const lowHalf = delays.filter((d) => d < 750).length;
    // Uniform over [500, 1000]: about half below 750 (binomial sd ≈ 22; bound ±5 sd).
    expect(lowHalf).toBeGreaterThan(1000 - 110);
    expect(lowHalf).toBeLessThan(1000 + 110);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
  });

  it("refuses settings that make no sense", () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
