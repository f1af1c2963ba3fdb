import { describe, expect, it } from "vitest";
import { readApiSettings } from "../settings/api.js";
import { ConfigError } from "../settings/read.js";
import { lambdaBlockingReads } from "./blocking.js";

/** The API settings' MUSTER_MAX_WAIT_SECONDS, as the Lambda API turns it into its option. */
const blockingFrom = (env: Record<string, string>) =>
  lambdaBlockingReads(readApiSettings({ MUSTER_TABLE: "muster", ...env }).lambdaMaxWaitSeconds);

describe("blocking reads on Lambda", () => {
  it("are off unless MUSTER_MAX_WAIT_SECONDS allows a short wait, re-reading every second", () => {
    expect(blockingFrom({})).toBeUndefined();
    expect(blockingFrom({ MUSTER_MAX_WAIT_SECONDS: "0" })).toBeUndefined();
    expect(blockingFrom({ MUSTER_MAX_WAIT_SECONDS: "10" })).toEqual({
      maxWaitSeconds: 10,
      pollMs: 1000,
    });
    for (const bad of ["11", "1.5", "-1", "ten"]) {
      expect(() => blockingFrom({ MUSTER_MAX_WAIT_SECONDS: bad })).toThrow(ConfigError);
      expect(() => blockingFrom({ MUSTER_MAX_WAIT_SECONDS: bad })).toThrow(
        /MUSTER_MAX_WAIT_SECONDS: must be a whole number 0-10/,
      );
    }
  });
});
