import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Match } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ITEM_ACTIONS } from "../../infra/constructs/registry-table.js";
import { API_MEMORY_MB } from "../../infra/defaults.js";
import { UI_CSP } from "../../shared/http/routes/ui.js";
import { httpEvent } from "../support/lambda.js";
import {
  allStatements,
  asList,
  cleanUp,
  logicalId,
  roleStatements,
  type Synthesized,
  synthesize,
} from "./synth.js";

// The stack exactly as `npx cdk synth` builds it from cdk.json's defaults, bundles included.
let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 120_000);
afterAll(() => cleanUp(s));

describe("the default stack", () => {
  it("has a TTL table with point-in-time recovery, KMS encryption, retained on delete", () => {
    s.template.resourceCountIs("AWS::DynamoDB::GlobalTable", 1);
    s.template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      },
    });
  });

  it("runs both functions on nodejs24.x arm64 as minified CommonJS bundles", () => {
    const functions = s.template.findResources("AWS::Lambda::Function");
    expect(Object.keys(functions)).toHaveLength(2);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
      });
    }
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "muster HTTP API",
      Timeout: 15,
      MemorySize: API_MEMORY_MB,
    });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("reconciler"),
      Timeout: 50,
      MemorySize: 512,
    });
  });

  it("keeps the tokens out of the template and the environment", () => {
    s.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
      SecretString: Match.absent(),
    });
    const api = s.template.findResources("AWS::Lambda::Function", {
      Properties: { Description: "muster HTTP API" },
    });
    const env = Object.values(api)[0]?.Properties.Environment.Variables;
    expect(env).toMatchObject({
      MUSTER_TABLE: { Ref: logicalId(s.stack.table.table) },
      MUSTER_TOKENS_SECRET_ARN: { Ref: logicalId(s.stack.tokensSecret) },
    });
    expect(env).not.toHaveProperty("MUSTER_TOKENS");
  });

  it("gives the API role item-level DynamoDB actions on its table, the secrets, its logs", () => {
    const statements = roleStatements(s.template, s.stack.api.fn.role);
    const isSecret = (st: { Action: unknown }) => st.Action === "secretsmanager:GetSecretValue";
    // CDK merges the GetSecretValue grants into one statement: exactly these three secrets.
    const secrets = statements.filter(isSecret);
    expect(secrets).toHaveLength(1);
    expect(asList(secrets[0]?.Resource)).toHaveLength(3);
    expect(asList(secrets[0]?.Resource)).toEqual(
      expect.arrayContaining([
        { Ref: logicalId(s.stack.tokensSecret) },
        { Ref: logicalId(s.stack.signingKeysSecret) },
        { Ref: logicalId(s.stack.presignKeysSecret) },
      ]),
    );
    expect(statements.filter((st) => !isSecret(st))).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: { "Fn::GetAtt": [logicalId(s.stack.api.fn.logGroup), "Arn"] },
      },
      {
        Effect: "Allow",
        Action: [...ITEM_ACTIONS].sort(),
        Resource: { "Fn::GetAtt": [logicalId(s.stack.table.table), "Arn"] },
      },
    ]);
  });

  it("generates the presigned-URL keys at deploy, as {k1: secret}, and hands the API its ARN", () => {
    const secrets = s.template.findResources("AWS::SecretsManager::Secret");
    const presign = secrets[logicalId(s.stack.presignKeysSecret)]?.Properties;
    expect(presign).toMatchObject({
      GenerateSecretString: {
        SecretStringTemplate: "{}",
        GenerateStringKey: "k1",
        PasswordLength: 64,
        ExcludePunctuation: true,
      },
    });
    expect(presign.SecretString).toBeUndefined();
    const api = s.template.findResources("AWS::Lambda::Function", {
      Properties: { Description: "muster HTTP API" },
    });
    expect(Object.values(api)[0]?.Properties.Environment.Variables).toMatchObject({
      MUSTER_PRESIGN_KEYS_SECRET_ARN: { Ref: logicalId(s.stack.presignKeysSecret) },
    });
    expect(Object.values(api)[0]?.Properties.Environment.Variables).not.toHaveProperty(
      "MUSTER_PRESIGN_KEYS",
    );
    s.template.hasOutput("PresignKeysSecretArn", {
      Value: { Ref: logicalId(s.stack.presignKeysSecret) },
    });
  });

  it("gives the reconciler no EC2 or Cloud Map right when no source is configured", () => {
    const actions = roleStatements(s.template, s.stack.reconciler.fn.role).flatMap((st) =>
      asList(st.Action),
    );
    expect(actions.sort()).toEqual(
      [...ITEM_ACTIONS, "logs:CreateLogStream", "logs:PutLogEvents"].sort(),
    );
  });

  it("grants no wildcard action anywhere, and attaches no managed policy", () => {
    for (const st of allStatements(s.template)) {
      for (const action of asList(st.Action)) expect(action).not.toMatch(/\*/);
    }
    s.template.resourceCountIs("AWS::IAM::ManagedPolicy", 0);
    for (const role of Object.values(s.template.findResources("AWS::IAM::Role"))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it("caches reads at the edge for a few seconds, per token header and query string", () => {
    s.template.hasResourceProperties("AWS::CloudFront::CachePolicy", {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 5,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          // Not Authorization: origin access control puts CloudFront's signature there.
          HeadersConfig: {
            HeaderBehavior: "whitelist",
            Headers: ["X-Muster-Token", "X-Consul-Token"],
          },
          QueryStringsConfig: { QueryStringBehavior: "all" },
          CookiesConfig: { CookieBehavior: "none" },
        }),
      }),
    });
    s.template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          CachePolicyId: { Ref: logicalId(s.stack.frontDoor.node.findChild("Reads")) },
          CachedMethods: ["GET", "HEAD"],
          AllowedMethods: Match.arrayWith(["GET", "HEAD", "POST", "DELETE"]),
          ViewerProtocolPolicy: "https-only",
        }),
        CustomErrorResponses: Match.arrayWith([{ ErrorCode: 404, ErrorCachingMinTTL: 0 }]),
        Origins: [
          Match.objectLike({
            CustomOriginConfig: Match.objectLike({
              OriginProtocolPolicy: "https-only",
              OriginSSLProtocols: ["TLSv1.2"],
            }),
            OriginAccessControlId: Match.anyValue(),
          }),
        ],
      }),
    });
  });

  it("serves the web UI's files at /ui* from the same origin, cached by path alone", () => {
    s.template.hasResourceProperties("AWS::CloudFront::CachePolicy", {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 31_536_000,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: "none" },
          QueryStringsConfig: { QueryStringBehavior: "none" },
          CookiesConfig: { CookieBehavior: "none" },
        }),
      }),
    });
    const distribution = Object.values(
      s.template.findResources("AWS::CloudFront::Distribution"),
    )[0] as { Properties: { DistributionConfig: Record<string, unknown> } };
    const config = distribution.Properties.DistributionConfig as {
      CacheBehaviors: Record<string, unknown>[];
      DefaultCacheBehavior: { TargetOriginId: string };
    };
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({
        PathPattern: "/ui*",
        AllowedMethods: ["GET", "HEAD"],
        CachedMethods: ["GET", "HEAD"],
        CachePolicyId: { Ref: logicalId(s.stack.frontDoor.node.findChild("UiFiles")) },
        TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
        ViewerProtocolPolicy: "https-only",
        Compress: true,
      }),
    ]);
  });

  it("puts the function URL behind CloudFront with origin access control, AuthType AWS_IAM", () => {
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "AWS_IAM",
      TargetFunctionArn: { "Fn::GetAtt": [logicalId(s.stack.api.fn.function), "Arn"] },
    });
    s.template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: {
        Name: Match.anyValue(),
        OriginAccessControlOriginType: "lambda",
        SigningBehavior: "always",
        SigningProtocol: "sigv4",
      },
    });
  });

  it("runs the reconciler every minute by default, without retries", () => {
    s.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [logicalId(s.stack.reconciler.fn.function), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    s.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      MaximumRetryAttempts: 0,
    });
  });

  it("alarms on errors, throttles and store outages", () => {
    const alarms = s.template.findResources("AWS::CloudWatch::Alarm");
    const names = Object.values(alarms).map(
      (a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`,
    );
    expect(names.sort()).toEqual([
      "AWS/Lambda/Errors",
      "AWS/Lambda/Errors",
      "AWS/Lambda/Throttles",
      "AWS/Lambda/Throttles",
      "Muster/StoreUnavailable",
    ]);
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "Muster",
      MetricName: "StoreUnavailable",
      Dimensions: [{ Name: "service", Value: "muster-api" }],
      AlarmActions: Match.absent(),
    });
  });

  it("outputs the registry URL, an example peers.json URL, the table and the secret", () => {
    const domain = { "Fn::GetAtt": [logicalId(s.stack.frontDoor.distribution), "DomainName"] };
    s.template.hasOutput("RegistryUrl", { Value: { "Fn::Join": ["", ["https://", domain]] } });
    s.template.hasOutput("JoinUrlExample", {
      Value: { "Fn::Join": ["", ["https://", domain, "/v1/services/example/peers.json"]] },
      // Blixard's flag is --join-address, and it reads a presigned join URL, not peers.json.
      Description: Match.stringLikeRegexp("muster-agent join.*--join-address takes a presigned"),
    });
    s.template.hasOutput("TableName", { Value: { Ref: logicalId(s.stack.table.table) } });
    s.template.hasOutput("FunctionUrl", {
      Value: { "Fn::GetAtt": [logicalId(s.stack.frontDoor.functionUrl), "FunctionUrl"] },
    });
    s.template.hasOutput("TokensSecretArn", { Value: { Ref: logicalId(s.stack.tokensSecret) } });
  });

  it("leaves no cdk-nag AwsSolutions finding unacknowledged", () => {
    expect(s.nagViolations).toEqual([]);
  });
});

describe("the bundles synth builds", () => {
  /** A function's bundle: its Code.S3Key is `<asset hash>.zip`, staged as asset.<hash>/. */
  const bundleOf = (fn: IConstruct) => {
    const resource = s.template.toJSON().Resources[logicalId(fn)];
    const hash = String(resource.Properties.Code.S3Key).replace(/\.zip$/, "");
    return join(s.assembly.directory, `asset.${hash}`, "index.js");
  };
  const env = {
    ...process.env,
    MUSTER_TABLE: "muster-bundle-test",
    MUSTER_TOKENS_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf",
    MUSTER_EC2_DISCOVERY: "false",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  };

  it.each([
    ["API", () => s.stack.api.fn.function],
    ["reconciler", () => s.stack.reconciler.fn.function],
  ])("builds the %s as one CommonJS file that loads on Node and exports handler", (_, fn) => {
    const file = bundleOf(fn());
    const code = readFileSync(file, "utf8");
    // Strict CommonJS (infra/lambda-bundle.ts says why not ESM; esbuild's ESM output has no
    // directive), loaded with import() as Lambda's runtime loads index.js.
    expect(code.startsWith('"use strict";')).toBe(true);
    // The assembly is in a temp folder with no node_modules above it, so this import also
    // proves that nothing was left external: a missing package would fail to resolve.
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(typeof m.handler);`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", probe], {
      encoding: "utf8",
      env,
    });
    expect(out).toBe("function");
  });

  it("ships the web UI beside the API's index.js, and the bundle serves it at /ui", () => {
    const file = bundleOf(s.stack.api.fn.function);
    const event = httpEvent({ method: "GET", path: "/ui", token: null });
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
const r = await m.handler(${JSON.stringify(event)}, {});
process.stdout.write(JSON.stringify({ status: r.statusCode, csp: r.headers["content-security-policy"], body: r.isBase64Encoded ? Buffer.from(r.body, "base64").toString() : r.body }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", probe], {
        encoding: "utf8",
        env,
      }),
    );
    expect(out.status).toBe(200);
    expect(out.csp).toBe(UI_CSP);
    expect(out.body).toMatch(/<script type="module" src="\/ui\/app\.[A-Z0-9]+\.js">/);
    // The poll interval cdk.json sets, as the page is told it.
    expect(out.body).toContain("{&quot;mode&quot;:&quot;poll&quot;,&quot;seconds&quot;:10}");
  });
});
