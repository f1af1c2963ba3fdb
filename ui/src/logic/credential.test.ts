import { describe, expect, it } from "vitest";
import { credentialFrom, parseCredential } from "./credential.js";

const ORIGIN = "https://registry.example";
const SIG = "expires=1900000000&kid=k1&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";

describe("the sign-in field", () => {
  it("takes a token as it is, trimmed", () => {
    expect(parseCredential("  mst_abc  ", ORIGIN)).toEqual({ kind: "token", token: "mst_abc" });
    expect(parseCredential("", ORIGIN)).toEqual({ error: "enter a token or a presigned URL" });
    expect(parseCredential("two words", ORIGIN)).toEqual({ error: "a token has no spaces" });
  });

  it("takes a presigned URL of a service's /instances, keeping only its signature and the path", () => {
    const parsed = parseCredential(
      `https://d123.cloudfront.net/v1/services/web/instances?status=any&${SIG}`,
      ORIGIN,
    );
    expect(parsed).toEqual({
      kind: "presigned",
      service: "web",
      query: SIG,
      expires: 1_900_000_000_000,
    });
    expect(parseCredential(`/v1/services/web/instances?${SIG}`, ORIGIN)).toMatchObject({
      service: "web",
    });
  });

  it("refuses other URLs, saying why", () => {
    expect(parseCredential(`${ORIGIN}/v1/services/web/peers.txt?${SIG}`, ORIGIN)).toEqual({
      error:
        "a presigned URL opens a service only when it is for its /instances (--file instances)",
    });
    expect(parseCredential(`${ORIGIN}/v1/services/web/instances`, ORIGIN)).toEqual({
      error: "this URL is not presigned (no expires, kid and sig)",
    });
    expect(parseCredential("http://[bad", ORIGIN)).toEqual({ error: "this is not a URL" });
  });

  it("reads back only a credential's own shape from storage", () => {
    expect(credentialFrom({ kind: "token", token: "t" })).toEqual({ kind: "token", token: "t" });
    expect(credentialFrom({ kind: "token", token: "" })).toBeUndefined();
    expect(
      credentialFrom({ kind: "presigned", service: "web", query: SIG, expires: 1 }),
    ).toMatchObject({ service: "web" });
    expect(credentialFrom({ kind: "presigned", service: "web" })).toBeUndefined();
    expect(credentialFrom("mst_abc")).toBeUndefined();
    expect(credentialFrom(null)).toBeUndefined();
  });
});
