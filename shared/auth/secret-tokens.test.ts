import { describe, expect, it } from "vitest";
import { parseTokenSecret, RotatingTokens, TokensUnavailableError } from "./secret-tokens.js";

// The parsing and caching logic; test/lambda/secret-tokens.integration.test.ts reads real secrets from moto and drives functions/api.ts with them.

const A = "token-a-0123456789abcdef";
const B = "token-b-0123456789abcdef";

describe("parseTokenSecret", () => {
  it("reads tokens separated by commas or line breaks, trimmed and deduplicated", () => {
    expect(parseTokenSecret(` ${A} ,${B}\n${A}\r\n`)).toEqual({ tokens: [A, B], tooShort: 0 });
  });

  it("reads every string value of a JSON object, as the console's key/value editor writes it", () => {
    expect(parseTokenSecret(JSON.stringify({ first: A, more: `${B},${A}`, n: 3 }))).toEqual({
      tokens: [A, B],
      tooShort: 0,
    });
  });

  it("drops tokens too short to be safe and counts them, without naming them", () => {
    expect(parseTokenSecret(`short,${A},,`)).toEqual({ tokens: [A], tooShort: 1 });
  });

  it("reads malformed JSON as plain text instead of failing", () => {
    expect(parseTokenSecret(`{${A}`).tokens).toEqual([`{${A}`]);
  });
});

/** A loader that answers from a list, one answer (or failure) per call. */
function loader(answers: (string | Error)[]) {
  const calls = { count: 0 };
  const load = async () => {
    const answer = answers[Math.min(calls.count++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer ?? "";
  };
  return { load, calls };
}

describe("RotatingTokens", () => {
  it("loads once, then answers from memory until the set is older than maxAgeMs", async () => {
    let now = 1_000_000;
    const { load, calls } = loader([A, B]);
    const tokens = new RotatingTokens({ load, maxAgeMs: 60_000, now: () => now });
    expect(tokens.size).toBe(0);
    await tokens.refresh();
    await tokens.refresh();
    expect(calls.count).toBe(1);
    expect(tokens.verify(A)).toBeDefined();
    expect(tokens.verify(B)).toBeUndefined();

    now += 60_000; // the secret was rotated to B meanwhile
    await tokens.refresh();
    expect(calls.count).toBe(2);
    expect(tokens.verify(A)).toBeUndefined();
    expect(tokens.verify(B)?.fingerprint).toMatch(/^tok_/);
  });

  it("shares one fetch between concurrent requests", async () => {
    const { load, calls } = loader([A]);
    const tokens = new RotatingTokens({ load });
    await Promise.all([tokens.refresh(), tokens.refresh(), tokens.refresh()]);
    expect(calls.count).toBe(1);
  });

  it("throws while no set has loaded, so the app answers 503, and retries a few seconds later", async () => {
    let now = 0;
    const warnings: string[] = [];
    const { load, calls } = loader([new Error("AccessDenied"), A]);
    const tokens = new RotatingTokens({
      load,
      now: () => now,
      warn: (message) => warnings.push(message),
    });
    await expect(tokens.refresh()).rejects.toThrow(TokensUnavailableError);
    now += 1_000;
    await expect(tokens.refresh()).rejects.toThrow(TokensUnavailableError);
    expect(calls.count).toBe(1); // a Secrets Manager outage is not multiplied by the requests
    now += 5_000;
    await tokens.refresh();
    expect(calls.count).toBe(2);
    expect(tokens.verify(A)).toBeDefined();
    expect(warnings).toEqual(["cannot load the tokens"]);
  });

  it("keeps the previous set when a reload fails, and retries a few seconds later", async () => {
    let now = 0;
    const warnings: string[] = [];
    const { load, calls } = loader([A, new Error("throttled"), B]);
    const tokens = new RotatingTokens({
      load,
      maxAgeMs: 60_000,
      now: () => now,
      warn: (message) => warnings.push(message),
    });
    await tokens.refresh();
    now = 60_000;
    await tokens.refresh();
    expect(tokens.verify(A)).toBeDefined();
    expect(warnings).toEqual(["reloading the tokens failed; keeping the previous set"]);

    now += 1_000;
    await tokens.refresh();
    expect(calls.count).toBe(2); // not yet: retries are spaced out
    now += 5_000;
    await tokens.refresh();
    expect(calls.count).toBe(3);
    expect(tokens.verify(B)).toBeDefined();
  });

  it("warns, without the values, when the secret holds no usable token", async () => {
    const warnings: string[] = [];
    const tokens = new RotatingTokens({
      load: async () => "short",
      warn: (message) => warnings.push(message),
    });
    await tokens.refresh();
    expect(tokens.size).toBe(0);
    expect(warnings.join("\n")).not.toContain("short,");
    expect(warnings).toHaveLength(2);
  });
});
