import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { lambdaBlockingReads } from "./blocking.js";

describe("blocking reads on Lambda", () => {
  it("are off unless MUSTER_MAX_WAIT_SECONDS allows a short wait, re-reading every second", () => {
    expect(lambdaBlockingReads({})).toBeUndefined();
    expect(lambdaBlockingReads({ MUSTER_MAX_WAIT_SECONDS: "0" })).toBeUndefined();
    expect(lambdaBlockingReads({ MUSTER_MAX_WAIT_SECONDS: "10" })).toEqual({
      maxWaitSeconds: 10,
      pollMs: 1000,
    });
    for (const bad of ["11", "1.5", "-1", "ten"]) {
      expect(() => lambdaBlockingReads({ MUSTER_MAX_WAIT_SECONDS: bad })).toThrow(ConfigError);
    }
  });
});
