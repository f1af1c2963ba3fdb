import { describe, expect, it } from "vitest";
import { EKS_TOKEN_PREFIX } from "../../kube/eks-token.js";
import { eksKubeConfig } from "./kube-config.js";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString(
  "base64",
);
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("eksKubeConfig", () => {
  it("puts a fresh EKS token on every request the official client makes", async () => {
    const kc = eksKubeConfig({
      cluster: "prod-eu",
      endpoint: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
      caData: CA,
      credentials,
    });
    expect(kc.getCurrentCluster()).toMatchObject({
      server: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
      caData: CA,
      skipTLSVerify: false,
    });
    // The path every API call and watch of the client takes to authenticate.
    const opts: { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    const bearer = opts.headers?.Authorization ?? "";
    expect(bearer.startsWith(`Bearer ${EKS_TOKEN_PREFIX}`)).toBe(true);
    const url = new URL(
      Buffer.from(bearer.slice(`Bearer ${EKS_TOKEN_PREFIX}`.length), "base64url").toString(),
    );
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
  });

  it("wants the region said when the endpoint is not an EKS one", () => {
    expect(() =>
      eksKubeConfig({ cluster: "c", endpoint: "https://127.0.0.1:6443", caData: CA, credentials }),
    ).toThrow("https://127.0.0.1:6443 is not an EKS endpoint");
  });
});
