import { describe, expect, it } from "vitest";
import { fingerprint, TokenSet } from "./tokens.js";

describe("TokenSet", () => {
  const tokens = new TokenSet(["first-token-0123456789", "second-token-0123456789"]);

  it("accepts each configured token and names it by fingerprint only", () => {
    const principal = tokens.verify("second-token-0123456789");
    expect(principal).toEqual({
      fingerprint: fingerprint("second-token-0123456789"),
      role: "admin",
      kind: "bootstrap",
    });
    expect(principal?.fingerprint).not.toContain("second");
    expect(tokens.verify("first-token-0123456789")).toBeDefined();
  });

  it("refuses near misses, prefixes, extensions and the empty string", () => {
    for (const t of [
      "first-token-012345678",
      "first-token-0123456789x",
      "FIRST-TOKEN-0123456789",
      "",
      " ",
    ]) {
      expect(tokens.verify(t)).toBeUndefined();
    }
  });

  it("refuses everything when no token is configured", () => {
    expect(new TokenSet([]).verify("anything-at-all-123")).toBeUndefined();
  });

  it("gives a stable fingerprint that differs per token", () => {
    expect(fingerprint("a-token-0123456789")).toBe(fingerprint("a-token-0123456789"));
    expect(fingerprint("a-token-0123456789")).not.toBe(fingerprint("b-token-0123456789"));
    expect(fingerprint("a-token-0123456789")).toMatch(/^tok_[0-9a-f]{16}$/);
  });
});
