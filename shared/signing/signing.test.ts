import { describe, expect, it } from "vitest";
import { formatSignatureHeader, parseSignatureHeader } from "./header.js";
import {
  newKeySet,
  prepareNext,
  readStored,
  rotate,
  SigningKeys,
  serializeKeySet,
} from "./keys.js";
import { keyId, privateKeyFromSeed, publicJwk, signBody, verifyBody } from "./signature.js";
import { TrustedKeys } from "./trust.js";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const DAY = 86_400_000;
const body = '[\n  {\n    "node_id": 1,\n    "direct_addresses": ["10.0.0.1:7001"]\n  }\n]\n';

function flipOneByte(text: string, at: number): Buffer {
  const bytes = Buffer.from(text, "utf8");
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes;
}

describe("signature", () => {
  const key = privateKeyFromSeed(Buffer.alloc(32, 7));

  it("verifies the exact bytes and nothing else", () => {
    const sig = signBody(body, key);
    expect(verifyBody(body, sig, key)).toBe(true);
    for (const at of [0, 10, body.length - 1]) {
      expect(verifyBody(flipOneByte(body, at), sig, key)).toBe(false);
    }
    expect(verifyBody(`${body} `, sig, key)).toBe(false);
    expect(verifyBody(body, `${sig.slice(0, -2)}AA`, key)).toBe(false);
    expect(verifyBody(body, "not base64url!", key)).toBe(false);
    expect(verifyBody(body, "", key)).toBe(false);
  });

  it("derives the kid from the public key (RFC 7638 thumbprint)", () => {
    const jwk = publicJwk(key);
    // RFC 8037 appendix A.3's test key: its thumbprint is given there.
    const rfc = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };
    expect(keyId(rfc as typeof jwk)).toBe("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    expect(keyId(jwk)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("header", () => {
  it("round-trips and refuses anything but the three parameters once each", () => {
    const value = formatSignatureHeader({ keyid: "abc", sig: "xyz" });
    expect(value).toBe('keyid="abc", alg="ed25519", sig="xyz"');
    expect(parseSignatureHeader(value)).toEqual({ keyid: "abc", alg: "ed25519", sig: "xyz" });
    for (const bad of [
      undefined,
      "",
      'keyid="abc", sig="xyz"',
      'keyid="abc", keyid="abd", alg="ed25519", sig="xyz"',
      'keyid="a b", alg="ed25519", sig="xyz"',
      `keyid="abc", alg="ed25519", sig="${"x".repeat(600)}"`,
    ]) {
      expect(parseSignatureHeader(bad)).toBeUndefined();
    }
  });
});

describe("key set", () => {
  it("signs with the active key and publishes it", () => {
    const keys = SigningKeys.parse(serializeKeySet(newKeySet(T0)));
    const doc = keys.document(T0);
    expect(doc.keys).toHaveLength(1);
    expect(doc.keys[0]).toMatchObject({ kid: keys.activeKeyId, kty: "OKP", crv: "Ed25519" });
    const trusted = TrustedKeys.fromDocuments([JSON.stringify(doc)]);
    expect(trusted.check(body, keys.signatureHeader(body), T0)).toBeUndefined();
    expect(trusted.check(flipOneByte(body, 5), keys.signatureHeader(body), T0)).toMatch(
      /does not match/,
    );
    expect(trusted.check(body, null, T0)).toMatch(/not signed/);
  });

  it("rotation keeps the old key valid for the grace period, then drops it", () => {
    const first = newKeySet(T0);
    const before = SigningKeys.parse(serializeKeySet(first));
    const rotated = rotate(first, T0 + DAY, 7 * 86_400);
    const after = SigningKeys.parse(serializeKeySet(rotated));
    expect(after.activeKeyId).not.toBe(before.activeKeyId);
    const doc = after.document(T0 + DAY);
    expect(doc.keys.map((k) => [k.kid, k.status, k.not_after])).toEqual([
      [before.activeKeyId, "retired", "2026-11-09T00:00:00Z"],
      [after.activeKeyId, "active", undefined],
    ]);
    // A file signed before the rotation still verifies with the document published after it…
    const trusted = TrustedKeys.fromDocuments([JSON.stringify(doc)]);
    const old = before.signatureHeader(body);
    expect(trusted.check(body, old, T0 + 2 * DAY)).toBeUndefined();
    // …until the grace period ends; then the document no longer lists it either.
    expect(trusted.check(body, old, T0 + 8 * DAY)).toMatch(/grace period has ended/);
    expect(after.document(T0 + 8 * DAY).keys.map((k) => k.status)).toEqual(["active"]);
    // The next rotation prunes it from the stored set.
    expect(rotate(rotated, T0 + 9 * DAY, 0).keys.map((k) => k.state)).toEqual([
      "retired",
      "active",
    ]);
  });

  it("prepare publishes the next key before it signs; rotate then activates that key", () => {
    const prepared = prepareNext(newKeySet(T0), T0);
    const next = SigningKeys.parse(serializeKeySet(prepared)).document(T0).keys[1];
    expect(next?.status).toBe("next");
    const rotated = SigningKeys.parse(serializeKeySet(rotate(prepared, T0, 60)));
    expect(rotated.activeKeyId).toBe(next?.kid);
  });

  it("reads CloudFormation's generated secret as one active key, derived and stable", () => {
    const text = JSON.stringify({ generated: "Q".repeat(64) });
    expect(SigningKeys.parse(text).activeKeyId).toBe(SigningKeys.parse(text).activeKeyId);
    expect(readStored(text).keys).toHaveLength(1);
    // Rotating from it gives the full form, the derived key retired with its grace period.
    expect(rotate(readStored(text), T0, 60).keys.map((k) => k.state)).toEqual([
      "retired",
      "active",
    ]);
  });

  it("refuses malformed sets without quoting them", () => {
    const seed = newKeySet(T0).keys[0]?.seed ?? "";
    for (const bad of [
      "not json",
      "{}",
      JSON.stringify({ version: 1, keys: [] }),
      JSON.stringify({ version: 1, keys: [{ seed, state: "retired", created_at: "x" }] }),
      JSON.stringify({ generated: "short" }),
    ]) {
      let message = "";
      try {
        SigningKeys.parse(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/signing key set/);
      expect(message).not.toContain(seed);
    }
  });
});

describe("trusted keys", () => {
  it("refuses a document whose kid is not its key's thumbprint", () => {
    const doc = SigningKeys.parse(serializeKeySet(newKeySet(T0))).document(T0);
    const forged = { keys: [{ ...doc.keys[0], kid: "someone-else" }] };
    expect(() => TrustedKeys.fromDocuments([JSON.stringify(forged)])).toThrow(/thumbprint/);
    expect(() => TrustedKeys.fromDocuments(['{"keys":[]}'])).toThrow(/no Ed25519 key/);
  });

  it("refuses a signature by a key it was not given", () => {
    const ours = SigningKeys.parse(serializeKeySet(newKeySet(T0)));
    const theirs = SigningKeys.parse(serializeKeySet(newKeySet(T0)));
    const trusted = TrustedKeys.fromDocuments([JSON.stringify(ours.document(T0))]);
    expect(trusted.check(body, theirs.signatureHeader(body), T0)).toMatch(/not trusted/);
  });
});
