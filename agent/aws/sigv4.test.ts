import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { withAuth } from "../client/request-auth.js";
import { functionUrlRegion, RequestSigner } from "./sigv4.js";

const URL_ = "https://abc123def456.lambda-url.eu-west-1.on.aws/v1/services/web/heartbeats";
const BODY = '{"id":"i-0abc","address":"10.0.0.5:80"}';
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const signer = (sessionToken?: string) =>
  new RequestSigner({
    credentials: async () => ({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      ...(sessionToken ? { sessionToken } : {}),
    }),
    now: () => new Date("2026-12-01T12:00:00Z"),
  });

describe("the agent's SigV4 signer", () => {
  it("reads a function URL's region from its host, and no other host's", () => {
    expect(functionUrlRegion(URL_)).toBe("eu-west-1");
    expect(functionUrlRegion("https://d111111abcdef8.cloudfront.net/v1")).toBeUndefined();
    expect(functionUrlRegion("not a url")).toBeUndefined();
  });

  it("signs for lambda in the URL's region, the body's hash and the session token signed", async () => {
    const headers = await withAuth(
      { signer: signer("session-token") },
      { method: "POST", url: URL_, headers: { "Content-Type": "application/json" }, body: BODY },
    );
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/20261201\/eu-west-1\/lambda\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers).toMatchObject({
      "x-amz-date": "20261201T120000Z",
      "x-amz-security-token": "session-token",
      "x-amz-content-sha256": sha(BODY),
    });
    // fetch sets Host from the URL; the signed value is the same.
    expect(headers).not.toHaveProperty("host");
    // Deterministic: the same request at the same time signs the same.
    const again = await withAuth(
      { signer: signer("session-token") },
      { method: "POST", url: URL_, headers: { "Content-Type": "application/json" }, body: BODY },
    );
    expect(again.authorization).toBe(headers.authorization);
  });

  it("refuses a host that names no region unless it is given one", async () => {
    await expect(
      signer().sign({
        method: "GET",
        url: "https://registry.example.com/v1/services",
        headers: {},
      }),
    ).rejects.toThrow(/not a Lambda function URL/);
    const regional = new RequestSigner({
      credentials: async () => ({ accessKeyId: "AKIA", secretAccessKey: "s" }),
      region: "us-east-2",
    });
    const headers = await regional.sign({
      method: "GET",
      url: "http://127.0.0.1:8787/v1/services?status=any&tag=a&tag=b",
      headers: {},
    });
    expect(headers.authorization).toContain("/us-east-2/lambda/aws4_request");
  });
});

describe("a token's headers", () => {
  it("go in X-Muster-Token and Authorization, with a POST's body hash for CloudFront", async () => {
    expect(
      await withAuth({ token: "tok" }, { method: "POST", url: URL_, headers: {}, body: BODY }),
    ).toEqual({
      "X-Muster-Token": "tok",
      Authorization: "Bearer tok",
      "x-amz-content-sha256": sha(BODY),
    });
    expect(
      await withAuth({ token: async () => "rotated" }, { method: "GET", url: URL_, headers: {} }),
    ).toEqual({ "X-Muster-Token": "rotated", Authorization: "Bearer rotated" });
  });

  it("leave Authorization to the signature when both are given", async () => {
    const headers = await withAuth(
      { token: "tok", signer: signer() },
      { method: "GET", url: URL_, headers: {} },
    );
    expect(headers["X-Muster-Token"]).toBe("tok");
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 .*x-muster-token/);
    expect(headers).not.toHaveProperty("Authorization");
  });
});
