import { describe, expect, it } from "vitest";
import {
  blockingIndex,
  blockingWait,
  consulToken,
  DEFAULT_WAIT_MS,
  hasTags,
  MAX_WAIT_MS,
  nodeMetaParam,
  passingParam,
} from "./query-params.js";

const noJitter = () => 0;
const fullJitter = () => 0.999999;

describe("blockingWait", () => {
  it.each([
    [null, DEFAULT_WAIT_MS],
    ["", DEFAULT_WAIT_MS],
    ["0s", DEFAULT_WAIT_MS],
    ["-5s", DEFAULT_WAIT_MS],
    ["120000ms", 120_000],
    ["2s", 2_000],
    ["5m", 300_000],
    ["1h2m3s", MAX_WAIT_MS],
    ["11m", MAX_WAIT_MS],
  ])("?wait=%s holds %d ms before jitter", (raw, ms) => {
    expect(blockingWait(raw, undefined, noJitter)).toEqual({ ok: true, value: ms });
  });

  it("adds less than a sixteenth of the wait as jitter", () => {
    const result = blockingWait("160s", undefined, fullJitter);
    expect(result.ok && result.value).toBeGreaterThan(160_000 + 9_900);
    expect(result.ok && result.value).toBeLessThan(170_000);
  });

  it("answers a wait Go cannot read with Consul's text", () => {
    expect(blockingWait("10", undefined, noJitter)).toEqual({
      ok: false,
      message: "Invalid wait time",
    });
    expect(blockingWait("5 m", undefined, noJitter).ok).toBe(false);
  });

  it("holds to a deployment's own bounds", () => {
    const bounds = { defaultMs: 25_000, maxMs: 25_000 };
    expect(blockingWait(null, bounds, noJitter)).toEqual({ ok: true, value: 25_000 });
    expect(blockingWait("5m", bounds, noJitter)).toEqual({ ok: true, value: 25_000 });
    expect(blockingWait("2s", bounds, noJitter)).toEqual({ ok: true, value: 2_000 });
  });
});

describe("blockingIndex", () => {
  it.each([
    [null, undefined],
    ["", undefined],
    ["0", 0n],
    ["42", 42n],
    ["18446744073709551615", 18446744073709551615n],
  ])("?index=%s is %s", (raw, value) => {
    expect(blockingIndex(raw)).toEqual({ ok: true, value });
  });

  it.each(["-1", "+1", "1.0", " 1", "0x10", "1_000", "abc", "18446744073709551616"])(
    "refuses ?index=%s as Consul does",
    (raw) => {
      expect(blockingIndex(raw)).toEqual({ ok: false, message: "Invalid index" });
    },
  );
});

describe("passingParam", () => {
  it.each([
    [[], false],
    [[""], true],
    [["1"], true],
    [["t"], true],
    [["T"], true],
    [["true"], true],
    [["TRUE"], true],
    [["True"], true],
    [["0"], false],
    [["f"], false],
    [["F"], false],
    [["false"], false],
    [["FALSE"], false],
    [["False"], false],
    [["true", "nonsense"], true],
  ])("?passing=%j is %s", (values, value) => {
    expect(passingParam(values)).toEqual({ ok: true, value });
  });

  it.each([["yes"], ["tRuE"], ["2"], [" true"]])("refuses ?passing=%j", (...values) => {
    expect(passingParam(values)).toEqual({ ok: false, message: "Invalid value for ?passing" });
  });
});

describe("hasTags", () => {
  it("wants every tag, without regard to case", () => {
    expect(hasTags(["Primary", "v1"], ["primary"])).toBe(true);
    expect(hasTags(["primary", "v1"], ["PRIMARY", "V1"])).toBe(true);
    expect(hasTags(["primary"], ["primary", "v1"])).toBe(false);
    expect(hasTags([], [])).toBe(true);
  });
});

describe("nodeMetaParam", () => {
  it("splits each pair at its first colon", () => {
    expect(nodeMetaParam(["rack:a:1", "zone:eu", "flag"])).toEqual({
      rack: "a:1",
      zone: "eu",
      flag: "",
    });
  });
});

describe("consulToken", () => {
  const query = (token?: string) => new URLSearchParams(token === undefined ? {} : { token });
  const headers = (h: Record<string, string>) => (name: string) =>
    Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

  it("takes ?token first, then X-Consul-Token, then a bearer token", () => {
    const all = headers({ "X-Consul-Token": "header", Authorization: "Bearer bearer" });
    expect(consulToken(query("query"), all)).toBe("query");
    expect(consulToken(query(), all)).toBe("header");
    expect(consulToken(query(""), headers({ Authorization: "Bearer bearer" }))).toBe("bearer");
  });

  it("reads the bearer scheme in any case and only the first word after it", () => {
    expect(consulToken(query(), headers({ Authorization: "bEaReR  abc def" }))).toBe("abc");
    expect(consulToken(query(), headers({ Authorization: "Basic abc" }))).toBeUndefined();
    expect(consulToken(query(), headers({ Authorization: "Bearer" }))).toBeUndefined();
    expect(consulToken(query(), headers({ Authorization: "Bearer " }))).toBeUndefined();
    expect(consulToken(query(), headers({}))).toBeUndefined();
  });
});
