import { describe, expect, it } from "vitest";
import { HOLD_PASSES, judgeDrop } from "./safety.js";

describe("judgeDrop", () => {
  it("lets growth, small drops and the loss of a single instance through", () => {
    for (const [found, accepted] of [
      [10, 4],
      [6, 10],
      [5, 10],
      [0, 1],
      [1, 2],
      [0, 0],
    ] as const) {
      expect(judgeDrop({ found, accepted, heldPasses: 0, ratio: 0.5 })).toEqual({
        accept: true,
        heldPasses: 0,
        reason: null,
      });
    }
  });

  it("holds a drop below the ratio, then believes it after HOLD_PASSES passes", () => {
    let held = 0;
    for (let pass = 1; pass <= HOLD_PASSES; pass++) {
      const verdict = judgeDrop({ found: 4, accepted: 10, heldPasses: held, ratio: 0.5 });
      expect(verdict.accept).toBe(false);
      expect(verdict.reason).toMatch(/found 4 instance\(s\) where the last accepted pass had 10/);
      held = verdict.heldPasses;
    }
    expect(judgeDrop({ found: 4, accepted: 10, heldPasses: held, ratio: 0.5 }).accept).toBe(true);
  });

  it("is off with a ratio of 0", () => {
    expect(judgeDrop({ found: 0, accepted: 100, heldPasses: 0, ratio: 0 }).accept).toBe(true);
  });
});
