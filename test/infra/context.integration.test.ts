import { readFileSync, rmSync } from "node:fs";
import { App, RemovalPolicy } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import { afterAll, describe, expect, it } from "vitest";
import { API_SETTING_VARIABLES } from "../../infra/constructs/api-function.js";
import { CONTEXT_KEYS, propsFromContext, readContext } from "../../infra/context.js";
import { scratchDir } from "./synth.js";

const CDK_JSON = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
  app: string;
  context: Record<string, unknown>;
};

const outdir = scratchDir();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The props `cdk synth -c key=value …` would build: command-line values are strings. */
function props(overrides: Record<string, string> = {}) {
  const context = { ...CDK_JSON.context };
  for (const [k, v] of Object.entries(overrides)) context[`muster:${k}`] = v;
  const app = new App({ outdir, context });
  return propsFromContext(readContext(app.node));
}

describe("cdk.json", () => {
  it("runs infra/app.ts with tsx, and lists every muster key with its default", () => {
    expect(CDK_JSON.app).toBe("npx tsx infra/app.ts");
    expect(readContext(new App({ outdir, context: CDK_JSON.context }).node).stackName).toBe(
      "Muster",
    );
    expect(props()).toEqual({
      description: "muster: serverless discovery registry",
      tableBilling: { mode: "on-demand" },
      reconcileIntervalSeconds: 60,
      reconcilerMemorySize: 512,
      edgeCacheMaxSeconds: 5,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      logRetention: 30,
      uiPollSeconds: 10,
    });
  });

  it("pins the recommended feature flags, so synth does not depend on the CLI's defaults", () => {
    expect(CDK_JSON.context["@aws-cdk/aws-iam:minimizePolicies"]).toBe(true);
  });
});

describe("propsFromContext", () => {
  it("coerces command-line strings into numbers, booleans and lists", () => {
    expect(
      props({
        tableBilling: "provisioned",
        maxWriteCapacity: "2000",
        tableRemovalPolicy: "destroy",
        reconcileIntervalSeconds: "300",
        ec2Discovery: "true",
        ec2Filters: "muster:cluster=prod",
        publicServices: "blixard, engram,",
        safetyRatio: "0.5",
        priceClass: "All",
        logRetentionDays: "90",
      }),
    ).toMatchObject({
      tableBilling: { mode: "provisioned", maxWriteCapacity: 2000 },
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      reconcileIntervalSeconds: 300,
      ec2Discovery: { filters: "muster:cluster=prod" },
      publicServices: ["blixard", "engram"],
      safetyRatio: 0.5,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
      logRetention: 90,
    });
    expect(props({ ec2Discovery: "false", ec2Filters: "a=b" })).not.toHaveProperty("ec2Discovery");
  });

  it("takes the IAM mapping as JSON, and the API's settings as the settings read them", () => {
    const roles = { "web-nodes": { role: "register", services: ["web"], bindInstanceId: true } };
    expect(
      props({
        iamRoles: JSON.stringify(roles),
        dnsZone: "corp.internal",
        rateLimit: "0",
        maxInstancesPerToken: "500",
        baseUrl: "https://registry.example.com",
      }),
    ).toMatchObject({
      iamRoles: roles,
      apiSettings: {
        dnsZone: "corp.internal",
        rateLimit: "0",
        maxInstancesPerToken: "500",
        baseUrl: "https://registry.example.com",
      },
    });
    // cdk.json may hold the object itself.
    const app = new App({
      outdir,
      context: { ...CDK_JSON.context, "muster:iamRoles": roles, "muster:rateBurst": 50 },
    });
    expect(propsFromContext(readContext(app.node))).toMatchObject({
      iamRoles: roles,
      apiSettings: { rateBurst: "50" },
    });
    expect(() => props({ iamRoles: "web-nodes=register" })).toThrow(/muster:iamRoles/);
  });

  it("takes an EKS cluster for the Kubernetes source, its three values together", () => {
    expect(
      props({
        eksCluster: "prod",
        eksEndpoint: "https://abc.eks.amazonaws.com",
        eksCaData: "Q0E=",
        k8sNamespaces: "shop, payments,",
      }),
    ).toMatchObject({
      kubernetes: {
        cluster: "prod",
        endpoint: "https://abc.eks.amazonaws.com",
        caData: "Q0E=",
        namespaces: ["shop", "payments"],
      },
    });
    expect(props()).not.toHaveProperty("kubernetes");
    expect(() => props({ eksCluster: "prod", k8sNamespaces: "shop" })).toThrow(
      /muster:eksCluster, muster:eksEndpoint and muster:eksCaData/,
    );
  });

  it("has a context key for every API setting the stack can set", () => {
    for (const key of Object.keys(API_SETTING_VARIABLES)) {
      expect(CONTEXT_KEYS).toContain(key);
      expect(CDK_JSON.context).toHaveProperty(`muster:${key}`);
    }
    for (const key of CONTEXT_KEYS) expect(CDK_JSON.context).toHaveProperty(`muster:${key}`);
  });

  it("chooses between an existing Cloud Map namespace and a new one", () => {
    expect(
      props({ cloudMapNamespaceId: "ns-abc123", cloudMapHostedZoneId: "Z123" }).cloudMap,
    ).toEqual({ namespaceId: "ns-abc123", hostedZoneId: "Z123" });
    expect(
      props({ cloudMapCreateName: "muster.internal", cloudMapVpcId: "vpc-1" }).cloudMap,
    ).toEqual({ create: { name: "muster.internal", vpcId: "vpc-1" } });
    expect(() => props({ cloudMapCreateName: "muster.internal" })).toThrow(/cloudMapVpcId/);
    expect(() =>
      props({ cloudMapCreateName: "a.internal", cloudMapNamespaceId: "ns-1", cloudMapVpcId: "v" }),
    ).toThrow(/not both/);
  });

  it("names the key of every bad value", () => {
    expect(() => props({ tableBilling: "free", reconcileIntervalSeconds: "-1" })).toThrow(
      /muster:tableBilling.*muster:reconcileIntervalSeconds/,
    );
    expect(() => props({ logRetentionDays: "45" })).toThrow(/muster:logRetentionDays/);
  });
});
