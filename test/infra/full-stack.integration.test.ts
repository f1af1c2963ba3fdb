import { RemovalPolicy } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVISIONED_DEFAULTS } from "../../infra/defaults.js";
import {
  allStatements,
  asList,
  cleanUp,
  logicalId,
  roleStatements,
  type Statement,
  type Synthesized,
  synthesize,
} from "./synth.js";

// Every option on, bundling skipped (default-stack.test.ts covers the bundles).
const SECRET_NAME = "prod/muster/tokens";
const SIGNING_ARN =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/muster/signing-AbCdEf";
const PRESIGN_ARN =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/muster/presign-AbCdEf";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:ops";
/** An EKS cluster's certificateAuthority.data: base64 of a PEM certificate. */
const EKS_CA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
).toString("base64");
const EKS_ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com";
let s: Synthesized;
beforeAll(() => {
  s = synthesize(
    {
      tableBilling: { mode: "provisioned", maxWriteCapacity: 3000 },
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tokensSecret: SECRET_NAME,
      signingKeysSecret: SIGNING_ARN,
      presignKeysSecret: PRESIGN_ARN,
      publicServices: ["blixard", "engram"],
      reconcileIntervalSeconds: 300,
      ec2Discovery: { filters: "muster:cluster=prod", defaultPorts: "blixard=7001" },
      cloudMap: { create: { name: "muster.internal", vpcId: "vpc-0123456789abcdef0" } },
      safetyRatio: 0.5,
      kubernetes: {
        cluster: "prod",
        endpoint: EKS_ENDPOINT,
        caData: EKS_CA,
        namespaces: ["shop", "payments"],
        labelSelector: "app.kubernetes.io/part-of=shop",
      },
      apiSettings: { consulDatacenter: "eu-west-1", consulReaskSeconds: 60 },
      domainName: "registry.example.com",
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
      webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/muster/abc",
      alarmTopicArn: TOPIC,
    },
    false,
  );
}, 120_000);
afterAll(() => cleanUp(s));

const cloudMapActions = (statements: Statement[]) =>
  statements.flatMap((st) => asList(st.Action)).filter((a) => a.startsWith("servicediscovery:"));

describe("a stack with every option set", () => {
  it("provisions the table with auto scaling, and lets it go with the stack", () => {
    s.template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({
        BillingMode: "PROVISIONED",
        WriteProvisionedThroughputSettings: {
          WriteCapacityAutoScalingSettings: Match.objectLike({
            MinCapacity: 5,
            MaxCapacity: 3000,
            // Unset in this stack's props: the defaults (infra/defaults.ts).
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: PROVISIONED_DEFAULTS.targetUtilizationPercent,
            },
          }),
        },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: false,
            ReadProvisionedThroughputSettings: {
              ReadCapacityAutoScalingSettings: Match.objectLike({
                MaxCapacity: PROVISIONED_DEFAULTS.maxReadCapacity,
              }),
            },
          }),
        ],
      }),
    });
  });

  it("reads the tokens from an existing secret, by name, and creates none", () => {
    s.template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    const arn = (suffix: string) => ({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":secretsmanager:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          `:secret:${SECRET_NAME}${suffix}`,
        ],
      ],
    });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "muster HTTP API",
      Environment: {
        Variables: Match.objectLike({
          MUSTER_TOKENS_SECRET_ARN: arn(""),
          MUSTER_PUBLIC_SERVICES: "blixard,engram",
        }),
      },
    });
    // The name's random suffix, and nothing wider (CDK merges the GetSecretValue grants).
    const secrets = roleStatements(s.template, s.stack.api.fn.role).filter(
      (st) => st.Action === "secretsmanager:GetSecretValue",
    );
    expect(secrets.flatMap((st) => asList(st.Resource))).toContainEqual(arn("-??????"));
  });

  it("reads the presign keys from an existing secret, by full ARN, and nothing wider", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "muster HTTP API",
      Environment: {
        Variables: Match.objectLike({ MUSTER_PRESIGN_KEYS_SECRET_ARN: PRESIGN_ARN }),
      },
    });
    // Exactly the ARN given (CDK merges the GetSecretValue grants into one statement).
    const secrets = roleStatements(s.template, s.stack.api.fn.role).filter(
      (st) => st.Action === "secretsmanager:GetSecretValue",
    );
    expect(secrets.flatMap((st) => asList(st.Resource))).toContainEqual(PRESIGN_ARN);
  });

  it("configures the reconciler from its props, on a five-minute schedule", () => {
    s.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
    });
    const namespace = logicalId(s.stack.node.findChild("CloudMap"));
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("reconciler"),
      Timeout: 290,
      Environment: {
        Variables: Match.objectLike({
          MUSTER_RECONCILE_INTERVAL: "300",
          MUSTER_EC2_DISCOVERY: "true",
          MUSTER_EC2_FILTERS: "muster:cluster=prod",
          MUSTER_EC2_DEFAULT_PORTS: "blixard=7001",
          MUSTER_CLOUDMAP_NAMESPACE: { "Fn::GetAtt": [namespace, "Id"] },
          MUSTER_SAFETY_RATIO: "0.5",
          MUSTER_K8S_DISCOVERY: "true",
          MUSTER_K8S_NAMESPACE: "shop,payments",
          MUSTER_K8S_LABEL_SELECTOR: "app.kubernetes.io/part-of=shop",
          MUSTER_EKS_CLUSTER: "prod",
          MUSTER_EKS_ENDPOINT: EKS_ENDPOINT,
          MUSTER_EKS_CA_DATA: EKS_CA,
        }),
      },
    });
    s.template.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", {
      Name: "muster.internal",
      Vpc: "vpc-0123456789abcdef0",
    });
  });

  it("gives the reconciler DescribeInstances, and Cloud Map scoped to its namespace", () => {
    const statements = roleStatements(s.template, s.stack.reconciler.fn.role);
    const namespace = logicalId(s.stack.node.findChild("CloudMap"));
    const nsArn = { "Fn::GetAtt": [namespace, "Arn"] };
    const services = {
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":servicediscovery:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ":service/*",
        ],
      ],
    };
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: "Allow",
          Action: ["ec2:DescribeInstances", "servicediscovery:ListServices"],
          Resource: "*",
        },
        { Effect: "Allow", Action: "servicediscovery:GetNamespace", Resource: nsArn },
        {
          Effect: "Allow",
          Action: "servicediscovery:CreateService",
          Resource: [nsArn, services],
          Condition: { ArnEquals: { "servicediscovery:NamespaceArn": nsArn } },
        },
        {
          Effect: "Allow",
          Action: [
            "servicediscovery:DeregisterInstance",
            "servicediscovery:ListInstances",
            "servicediscovery:RegisterInstance",
          ],
          Resource: services,
        },
        {
          Effect: "Allow",
          Action: ["route53:ChangeResourceRecordSets", "route53:GetHostedZone"],
          Resource: {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":route53:::hostedzone/",
                { "Fn::GetAtt": [namespace, "HostedZoneId"] },
              ],
            ],
          },
        },
      ]),
    );
    expect(cloudMapActions(statements).sort()).toEqual(
      [
        "CreateService",
        "DeregisterInstance",
        "GetNamespace",
        "ListInstances",
        "ListServices",
        "RegisterInstance",
      ].map((a) => `servicediscovery:${a}`),
    );
    // The API never touches EC2 or Cloud Map.
    expect(cloudMapActions(roleStatements(s.template, s.stack.api.fn.role))).toEqual([]);
  });

  it("never pairs a wildcard action with a wildcard resource", () => {
    for (const st of allStatements(s.template)) {
      const actions = asList(st.Action);
      expect(actions).not.toContain("*");
      if (asList(st.Resource as unknown).includes("*")) {
        for (const a of actions) expect(a).not.toMatch(/\*/);
        // Only the actions that support no resource-level permission get "*".
        expect(["ec2:DescribeInstances", "servicediscovery:ListServices"]).toEqual(
          expect.arrayContaining(actions),
        );
      }
    }
  });

  it("serves the custom domain with TLS 1.2 and the web ACL", () => {
    s.template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        Aliases: ["registry.example.com"],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: "TLSv1.2_2021" }),
        WebACLId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/muster/abc",
      }),
    });
    s.template.hasOutput("RegistryUrl", { Value: "https://registry.example.com" });
  });

  it("passes the Consul API's settings to the API function", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "muster HTTP API",
      Environment: {
        Variables: Match.objectLike({
          MUSTER_CONSUL_DATACENTER: "eu-west-1",
          MUSTER_CONSUL_REASK_SECONDS: "60",
        }),
      },
    });
  });

  it("alarms per source when a source misses what it should see or errors, and notifies the topic", () => {
    for (const source of ["ec2", "cloudmap", "kubernetes"]) {
      // On SourceMissing, never on SourceInstances: a namespace muster fills itself shows no
      // imports while all is well, and must not hold the alarm in ALARM.
      s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "Muster",
        MetricName: "SourceMissing",
        Statistic: "Minimum",
        Dimensions: [
          { Name: "Source", Value: source },
          { Name: "service", Value: "muster-reconcile" },
        ],
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Threshold: 1,
        EvaluationPeriods: 3,
        TreatMissingData: "breaching",
      });
      s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "SourceErrors",
        Dimensions: Match.arrayWith([{ Name: "Source", Value: source }]),
      });
    }
    const alarms = Object.values(s.template.findResources("AWS::CloudWatch::Alarm"));
    expect(alarms).toHaveLength(11);
    expect(alarms.filter((a) => a.Properties.MetricName === "SourceInstances")).toEqual([]);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([TOPIC]);
      expect(a.Properties.OKActions).toEqual([TOPIC]);
    }
    s.template.hasOutput("CloudMapNamespaceId", Match.anyValue());
  });

  it("leaves no cdk-nag AwsSolutions finding unacknowledged", () => {
    expect(s.nagViolations).toEqual([]);
  });
});
