import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeStack } from "../../infra/edge-stack.js";
import {
  ACCOUNT,
  apiPermissions,
  type Caller,
  DISTRIBUTION_ID,
  distributionArn,
  mayInvokeDirectly,
  mayInvokeUrl,
} from "./resource-policy.js";
import { cleanUp, logicalId, type Synthesized, scratchDir, synthesize } from "./synth.js";

const ROLES = {
  "web-nodes": { role: "register", services: ["web"], bindInstanceId: true },
  "ops/db-nodes": { role: "register", services: ["db"] },
} as const;

let plain: Synthesized;
let withRoles: Synthesized;
let everything: Synthesized;
beforeAll(() => {
  plain = synthesize({}, false);
  withRoles = synthesize({ iamRoles: ROLES }, false);
  everything = synthesize(
    {
      iamRoles: ROLES,
      publicServices: ["web"],
      domainName: "registry.example.com",
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
      webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/muster/abc",
      membershipEvents: true,
    },
    false,
  );
}, 120_000);
afterAll(() => {
  for (const s of [plain, withRoles, everything]) cleanUp(s);
});

const stacks = () =>
  [
    ["no roles", plain],
    ["node roles", withRoles],
    ["every option", everything],
  ] as const;

const permissionsOf = (s: Synthesized) =>
  apiPermissions(s.template, {
    distribution: logicalId(s.stack.frontDoor.distribution),
    function: logicalId(s.stack.api.fn.function),
  });

const role = (name: string, account = ACCOUNT): Caller => ({ principal: { role: name, account } });
const cloudFront = (sourceArn?: string): Caller => ({
  principal: { service: "cloudfront.amazonaws.com", ...(sourceArn ? { sourceArn } : {}) },
});

describe("no request without valid credentials reaches the function", () => {
  it("has no function URL with AuthType NONE and no permission for Principal *", () => {
    for (const [, s] of stacks()) {
      const urls = Object.values(s.template.findResources("AWS::Lambda::Url"));
      expect(urls).toHaveLength(1);
      for (const url of urls) expect(url.Properties.AuthType).toBe("AWS_IAM");
      for (const p of Object.values(s.template.findResources("AWS::Lambda::Permission"))) {
        expect(p.Properties.Principal).not.toBe("*");
        expect(p.Properties.FunctionUrlAuthType).not.toBe("NONE");
      }
    }
  });

  it("admits CloudFront for this distribution only, through the URL only", () => {
    for (const [, s] of stacks()) {
      const permissions = permissionsOf(s);
      expect(mayInvokeUrl(permissions, cloudFront(distributionArn()))).toBe(true);
      // Another distribution, even of this account, or CloudFront with no source.
      expect(mayInvokeUrl(permissions, cloudFront(distributionArn("E2OTHER")))).toBe(false);
      expect(
        mayInvokeUrl(permissions, cloudFront(distributionArn(DISTRIBUTION_ID, "210987654321"))),
      ).toBe(false);
      expect(mayInvokeUrl(permissions, cloudFront())).toBe(false);
      expect(mayInvokeDirectly(permissions, cloudFront(distributionArn()))).toBe(false);
    }
  });

  it("admits exactly the node roles the mapping names, of this account, through the URL only", () => {
    const permissions = permissionsOf(withRoles);
    // A role with a path is admitted by its full ARN (role/ops/db-nodes).
    expect(mayInvokeUrl(permissions, role("web-nodes"))).toBe(true);
    expect(mayInvokeUrl(permissions, role("ops/db-nodes"))).toBe(true);
    expect(mayInvokeUrl(permissions, role("db-nodes"))).toBe(false);
    expect(mayInvokeUrl(permissions, role("web-nodes", "210987654321"))).toBe(false);
    expect(mayInvokeUrl(permissions, role("admin"))).toBe(false);
    expect(mayInvokeUrl(permissions, { principal: "anonymous" })).toBe(false);
    expect(mayInvokeDirectly(permissions, role("web-nodes"))).toBe(false);
    // Without a mapping, no role at all.
    expect(mayInvokeUrl(permissionsOf(plain), role("web-nodes"))).toBe(false);
    // Each mapped role is granted on the AWS_IAM URL only.
    const nodeGrants = permissions.filter((p) => String(p.Principal).includes(":role/"));
    expect(nodeGrants).toHaveLength(4);
    for (const p of nodeGrants) {
      if (p.Action === "lambda:InvokeFunctionUrl") expect(p.FunctionUrlAuthType).toBe("AWS_IAM");
      else expect(p.InvokedViaFunctionUrl).toBe(true);
    }
  });

  it("hands the function the same mapping the resource policy admits", () => {
    const api = withRoles.template.findResources("AWS::Lambda::Function", {
      Properties: { Description: "muster HTTP API" },
    });
    const env = Object.values(api)[0]?.Properties.Environment.Variables;
    expect(JSON.parse(env.MUSTER_IAM_ROLES)).toEqual(ROLES);
    expect(withRoles.nagViolations).toEqual([]);
    expect(everything.nagViolations).toEqual([]);
  });

  it("points minted URLs at the custom domain, never at the function URL", () => {
    const api = everything.template.findResources("AWS::Lambda::Function", {
      Properties: { Description: "muster HTTP API" },
    });
    expect(Object.values(api)[0]?.Properties.Environment.Variables).toMatchObject({
      MUSTER_BASE_URL: "https://registry.example.com",
    });
  });
});

describe("the edge stack (muster:wafRateLimit)", () => {
  const outdir = scratchDir();
  afterAll(async () => {
    const { rmSync } = await import("node:fs");
    rmSync(outdir, { recursive: true, force: true });
  });

  it("holds a CloudFront-scoped web ACL in us-east-1 that blocks an address over the rate", () => {
    const app = new App({ outdir });
    const edge = new EdgeStack(app, "MusterEdge", {
      env: { region: "us-east-1" },
      rateLimit: 2000,
      webAclName: "Muster-registry",
    });
    expect(edge.region).toBe("us-east-1");
    const t = Template.fromStack(edge);
    t.hasResourceProperties("AWS::WAFv2::WebACL", {
      Scope: "CLOUDFRONT",
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: "rate-per-address",
          Priority: 0,
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP", EvaluationWindowSec: 300 },
          },
          VisibilityConfig: {
            CloudWatchMetricsEnabled: true,
            MetricName: "Muster-registry-rate",
            SampledRequestsEnabled: true,
          },
        },
      ],
    });
    t.hasOutput("WebAclArn", { Value: { "Fn::GetAtt": ["WebAcl", "Arn"] } });
    expect(() => new EdgeStack(app, "TooLow", { rateLimit: 5, webAclName: "x" })).toThrow(
      /wafRateLimit/,
    );
  });
});
