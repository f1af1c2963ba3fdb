import { rmSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { MusterStack, type MusterStackProps } from "../../infra/muster-stack.js";
import { acknowledgeNagFindings } from "../../infra/nag.js";
import { scratchDir } from "./synth.js";

const outdir = scratchDir();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Constructs the stack without bundling: these mistakes must fail before anything is built. */
function construct(props: MusterStackProps): MusterStack {
  const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [] } });
  return new MusterStack(app, "Muster", props);
}

describe("MusterStack refuses at synth what would fail at run time", () => {
  it("a public service that is not a DNS label (the API's own parser)", () => {
    expect(() => construct({ publicServices: ["Not_A_Label"] })).toThrow(/MUSTER_PUBLIC_SERVICES/);
  });

  it("an EC2 filter or port list the reconciler cannot read (its own parser)", () => {
    expect(() => construct({ ec2Discovery: { filters: "no-equals-sign" } })).toThrow(
      /MUSTER_EC2_FILTERS/,
    );
    expect(() => construct({ ec2Discovery: { defaultPorts: "blixard=70000" } })).toThrow(
      /MUSTER_EC2_DEFAULT_PORTS/,
    );
  });

  it("an IAM mapping or an API setting the function's own parser refuses", () => {
    expect(() =>
      construct({ iamRoles: { "web-nodes": { role: "register", services: ["Not_A_Label"] } } }),
    ).toThrow(/MUSTER_IAM_ROLES: web-nodes\.services\.0/);
    expect(() =>
      construct({ iamRoles: { "web nodes": { role: "read", services: ["web"] } } }),
    ).toThrow(/MUSTER_IAM_ROLES/);
    expect(() => construct({ apiSettings: { rateLimit: -1, dnsZone: "not a zone" } })).toThrow(
      /MUSTER_RATE_LIMIT.*MUSTER_DNS_ZONE|MUSTER_DNS_ZONE.*MUSTER_RATE_LIMIT/,
    );
    expect(() => construct({ apiSettings: { baseUrl: "https://r.example/?q" } })).toThrow(
      /MUSTER_BASE_URL/,
    );
  });

  it("an EKS cluster the reconciler's own parser refuses", () => {
    const caData = Buffer.from("-----BEGIN CERTIFICATE-----\n").toString("base64");
    expect(() =>
      construct({ kubernetes: { cluster: "prod", endpoint: "http://plain", caData } }),
    ).toThrow(/MUSTER_EKS_ENDPOINT/);
    expect(() =>
      construct({
        kubernetes: {
          cluster: "prod",
          endpoint: "https://x.eks.amazonaws.com",
          caData: "bm90IGEgY2VydA==",
        },
      }),
    ).toThrow(/MUSTER_EKS_CA_DATA/);
  });

  it("a schedule EventBridge cannot express", () => {
    expect(() => construct({ reconcileIntervalSeconds: 90 })).toThrow(/whole number of minutes/);
    expect(() => construct({ reconcileIntervalSeconds: 30 })).toThrow(/whole number of minutes/);
  });

  it("a domain without its certificate, or a namespace id that is not one", () => {
    expect(() => construct({ domainName: "registry.example.com" })).toThrow(/certificateArn/);
    expect(() => construct({ cloudMap: { namespaceId: "muster.internal" } })).toThrow(/ns-/);
  });
});

describe("the cdk-nag acknowledgements", () => {
  // default-stack and full-stack tests cover none and all options; these are the ones between.
  it.each<[string, MusterStackProps]>([
    ["EC2 discovery only", { ec2Discovery: {} }],
    ["an existing HTTP namespace", { cloudMap: { namespaceId: "ns-abc123" } }],
    ["an existing DNS namespace", { cloudMap: { namespaceId: "ns-abc123", hostedZoneId: "Z1" } }],
    ["node roles", { iamRoles: { "ops/web": { role: "register", services: ["web"] } } }],
    [
      "an imported secret, by ARN",
      { tokensSecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbCdEf" },
    ],
  ])("cover every finding with %s", (_, props) => {
    const stack = construct(props);
    acknowledgeNagFindings(stack);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
