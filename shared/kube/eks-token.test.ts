import { describe, expect, it } from "vitest";
import {
  EKS_TOKEN_PREFIX,
  eksEndpointRegion,
  eksToken,
  eksTokens,
  stsHost,
  TOKEN_REUSE_MS,
} from "./eks-token.js";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session/token+with=odd chars",
};
const signingDate = new Date("2026-12-02T10:20:30Z");

/** The token's URL, as the cluster's authenticator reads it back. */
function urlOf(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const encoded = token.slice(EKS_TOKEN_PREFIX.length);
  // Unpadded base64url: no "=", "+" or "/".
  expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(encoded, "base64url").toString("utf8"));
}

describe("eksToken", () => {
  it("is a presigned STS GetCallerIdentity URL that signs the cluster header", async () => {
    const token = await eksToken({
      cluster: "prod-eu",
      region: "eu-west-1",
      credentials,
      signingDate,
    });
    const url = urlOf(token);
    expect(url.origin).toBe("https://sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    expect([...url.searchParams.keys()]).toEqual([
      "Action",
      "Version",
      "X-Amz-Algorithm",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-SignedHeaders",
      "X-Amz-Security-Token",
      "X-Amz-Signature",
    ]);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIDEXAMPLE/20261202/eu-west-1/sts/aws4_request",
      "X-Amz-Date": "20261202T102030Z",
      "X-Amz-Expires": "60",
      "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
      "X-Amz-Security-Token": credentials.sessionToken,
    });
    expect(q["X-Amz-Signature"]).toMatch(/^[0-9a-f]{64}$/);
    // The authenticator refuses a token over 4 KiB.
    expect(token.length).toBeLessThan(4096);
  });

  it("signs the cluster's name: another cluster, another signature; same input, same token", async () => {
    const sign = (cluster: string) =>
      eksToken({ cluster, region: "eu-west-1", credentials, signingDate });
    const signature = async (cluster: string) =>
      urlOf(await sign(cluster)).searchParams.get("X-Amz-Signature");
    expect(await signature("a")).not.toBe(await signature("b"));
    expect(await sign("a")).toBe(await sign("a"));
  });

  it("leaves the security token out for long-term keys", async () => {
    const { sessionToken: _, ...keys } = credentials;
    const url = urlOf(await eksToken({ cluster: "c", region: "us-east-1", credentials: keys }));
    expect(url.searchParams.has("X-Amz-Security-Token")).toBe(false);
  });
});

describe("eksTokens", () => {
  it("reuses a token for ten minutes, then makes a new one", async () => {
    let now = signingDate.getTime();
    const next = eksTokens({ cluster: "c", region: "us-east-1", credentials }, () => now);
    const first = await next();
    now += TOKEN_REUSE_MS - 1;
    expect(await next()).toBe(first);
    now += 1;
    const second = await next();
    expect(second).not.toBe(first);
    expect(urlOf(second).searchParams.get("X-Amz-Date")).toBe("20261202T103030Z");
  });
});

describe("the STS endpoint of an EKS cluster", () => {
  it.each([
    [
      "https://ABCDEF0123.gr7.eu-west-1.eks.amazonaws.com",
      "eu-west-1",
      "sts.eu-west-1.amazonaws.com",
    ],
    [
      "https://X.yl4.us-gov-west-1.eks.amazonaws.com",
      "us-gov-west-1",
      "sts.us-gov-west-1.amazonaws.com",
    ],
    ["https://X.cn-north-1.eks.amazonaws.com.cn", "cn-north-1", "sts.cn-north-1.amazonaws.com.cn"],
  ])("%s is in %s", (endpoint, region, host) => {
    expect(eksEndpointRegion(endpoint)).toBe(region);
    expect(stsHost(region)).toBe(host);
  });

  it("is not guessed from another host", () => {
    expect(eksEndpointRegion("https://127.0.0.1:6443")).toBeUndefined();
  });
});
