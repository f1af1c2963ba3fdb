import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./circuit-breaker.js";

function breaker(threshold = 3, cooldownMs = 1000) {
  const clock = { ms: 0 };
  return {
    clock,
    b: new CircuitBreaker({ failureThreshold: threshold, cooldownMs, now: () => clock.ms }),
  };
}

describe("CircuitBreaker", () => {
  it("opens after the threshold of consecutive failures, not before", () => {
    const { b } = breaker(3);
    for (let i = 0; i < 2; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.onFailure();
    }
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
  });

  it("counts consecutive failures only: a success in between starts the count again", () => {
    const { b } = breaker(2);
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state).toBe("closed");
  });

  it("lets exactly one probe through after the cooldown; its success closes the circuit", () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.ms = 400;
    expect(b.retryInMs()).toBe(600);
    expect(b.tryAcquire()).toBe(false);
    clock.ms = 1000;
    expect(b.state).toBe("half_open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.onSuccess();
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
  });

  it("reopens for a full cooldown when the probe fails", () => {
    const { b, clock } = breaker(3, 1000);
    for (let i = 0; i < 3; i++) b.onFailure();
    clock.ms = 1500;
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe("open");
    expect(b.retryInMs()).toBe(1000);
  });

  it("frees the probe slot when the probe is abandoned", () => {
    const { b, clock } = breaker(1, 10);
    b.onFailure();
    clock.ms = 10;
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.tryAcquire()).toBe(true);
  });
});
