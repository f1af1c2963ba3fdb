import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration, parseGoDurationNs } from "./go-duration.js";

// Expected values are Go's: time.ParseDuration and time.Duration.String on go1.26.
describe("parseGoDuration", () => {
  it.each([
    ["0", 0],
    ["-0", 0],
    ["+0", 0],
    ["0s", 0],
    ["120000ms", 120_000],
    ["2s", 2_000],
    ["5m", 300_000],
    ["10m", 600_000],
    ["1h2m3s", 3_723_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["1.5s", 1_500],
    [".5s", 500],
    ["1.s", 1_000],
    ["+5s", 5_000],
    ["-2s", -2_000],
    ["2s500ms", 2_500],
    ["3m2m", 300_000],
    ["1500us", 1.5],
    ["1500\u00b5s", 1.5],
    ["1500\u03bcs", 1.5],
    ["1000000ns", 1],
    ["0.000000001s", 0.000001],
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    "",
    "s",
    "1",
    "10",
    "1x",
    "1S",
    "1H",
    "1sec",
    "1 s",
    " 1s",
    "1s ",
    ".s",
    "-",
    "+",
    "-.s",
    "1.2.3s",
    "1e3ms",
    "0x10s",
    "1_000ms",
    "∞s",
  ])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it("takes durations up to 2^63-1 ns and refuses one past it", () => {
    expect(parseGoDurationNs("9223372036854775807ns")).toBe(9223372036854775807n);
    expect(parseGoDurationNs("2562047h47m16.854775807s")).toBe(9223372036854775807n);
    expect(parseGoDurationNs("9223372036854775808ns")).toBeUndefined();
    expect(parseGoDurationNs("2562048h")).toBeUndefined();
    // The negative bound is one further, as in Go.
    expect(parseGoDurationNs("-9223372036854775808ns")).toBe(-9223372036854775808n);
  });

  it("drops fraction digits past what fits, as Go does", () => {
    expect(parseGoDurationNs("1.0000000000000000000000001s")).toBe(1_000_000_000n);
    expect(parseGoDurationNs("0.1234567891s")).toBe(123_456_789n);
  });
});

describe("formatGoDuration", () => {
  it.each([
    [0n, "0s"],
    [1n, "1ns"],
    [1_500n, "1.5\u00b5s"],
    [500_000_000n, "500ms"],
    [1_500_000_000n, "1.5s"],
    [60_000_000_000n, "1m0s"],
    [90_000_000_000n, "1m30s"],
    [3_723_000_000_000n, "1h2m3s"],
    [7_200_000_000_000n, "2h0m0s"],
    [-3_000_000_000n, "-3s"],
    [9223372036854775807n, "2562047h47m16.854775807s"],
  ])("%d ns is %s", (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });

  it("prints what it parses back to the same duration", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }), (ns) => {
        expect(parseGoDurationNs(formatGoDuration(ns))).toBe(ns);
      }),
    );
  });
});
