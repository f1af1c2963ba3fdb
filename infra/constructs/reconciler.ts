import { Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { Env } from "../../shared/settings/names.js";
import { readReconcilerSettings } from "../../shared/settings/reconciler.js";
import type { CloudMapNamespace } from "./cloud-map.js";
import { MusterFunction, plain } from "./muster-function.js";
import type { RegistryTable } from "./registry-table.js";

/** EC2 instances found by tag. */
export interface Ec2Discovery {
  /** `Key=Value,…` tag filters (MUSTER_EC2_FILTERS). @default - the reconciler's default */
  readonly filters?: string;
  /** `service=port,…` (MUSTER_EC2_DEFAULT_PORTS). @default - the reconciler's default */
  readonly defaultPorts?: string;
}

/**
 * The Kubernetes source on Lambda: an EKS cluster's EndpointSlices, read with a bearer token
 * the function makes from its own role (a presigned sts:GetCallerIdentity, which needs no IAM
 * permission). The cluster must let the role in: an access entry for the stack's
 * ReconcilerRoleArn output with read access to EndpointSlices (docs/kubernetes.md).
 */
export interface EksDiscovery {
  /** The cluster's name (MUSTER_EKS_CLUSTER). */
  readonly cluster: string;
  /** Its API server endpoint, `https://…` (MUSTER_EKS_ENDPOINT). */
  readonly endpoint: string;
  /** Its `certificateAuthority.data`, base64 of a PEM certificate (MUSTER_EKS_CA_DATA). */
  readonly caData: string;
  /** The namespaces to read (MUSTER_K8S_NAMESPACE). @default - every namespace */
  readonly namespaces?: readonly string[];
  /** Only EndpointSlices of Services matching it (MUSTER_K8S_LABEL_SELECTOR). @default - all */
  readonly labelSelector?: string;
}

export interface ReconcilerProps {
  readonly table: RegistryTable;
  /** Seconds between runs: a whole number of minutes, EventBridge's finest rate. */
  readonly intervalSeconds: number;
  /** @default - EC2 discovery off, and no EC2 permission at all */
  readonly ec2?: Ec2Discovery;
  /** @default - no Cloud Map, and no Cloud Map permission at all */
  readonly cloudMap?: CloudMapNamespace;
  /** @default - no Kubernetes source */
  readonly kubernetes?: EksDiscovery;
  /** MUSTER_SAFETY_RATIO. @default - the reconciler's default */
  readonly safetyRatio?: number;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * functions/reconcile.ts on an EventBridge schedule. Its role may touch its table's items,
 * describe EC2 instances when EC2 discovery is on, and use its one Cloud Map namespace when
 * there is one.
 */
export class Reconciler extends Construct {
  readonly fn: MusterFunction;
  readonly rule: events.Rule;
  /** The `Source` dimension values this reconciler reports metrics for. */
  readonly sources: ("ec2" | "cloudmap" | "kubernetes")[] = [];

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const interval = props.intervalSeconds;
    if (!Number.isInteger(interval) || interval < 60 || interval % 60 !== 0) {
      throw new Error(`reconcile interval must be a whole number of minutes, got ${interval}s`);
    }
    const environment: Record<string, string> = {
      [Env.MUSTER_TABLE]: props.table.table.tableName,
      [Env.MUSTER_RECONCILE_INTERVAL]: String(interval),
      [Env.MUSTER_EC2_DISCOVERY]: String(props.ec2 !== undefined),
    };
    if (props.ec2?.filters) environment[Env.MUSTER_EC2_FILTERS] = props.ec2.filters;
    if (props.ec2?.defaultPorts) environment[Env.MUSTER_EC2_DEFAULT_PORTS] = props.ec2.defaultPorts;
    if (props.cloudMap) environment[Env.MUSTER_CLOUDMAP_NAMESPACE] = props.cloudMap.namespaceId;
    const k8s = props.kubernetes;
    if (k8s) {
      environment[Env.MUSTER_K8S_DISCOVERY] = "true";
      environment[Env.MUSTER_EKS_CLUSTER] = k8s.cluster;
      environment[Env.MUSTER_EKS_ENDPOINT] = k8s.endpoint;
      environment[Env.MUSTER_EKS_CA_DATA] = k8s.caData;
      if (k8s.namespaces?.length) environment[Env.MUSTER_K8S_NAMESPACE] = k8s.namespaces.join(",");
      if (k8s.labelSelector) environment[Env.MUSTER_K8S_LABEL_SELECTOR] = k8s.labelSelector;
    }
    if (props.safetyRatio !== undefined) {
      environment[Env.MUSTER_SAFETY_RATIO] = String(props.safetyRatio);
    }
    // The reconciler's own parser: a typo in a filter or port list fails synth, not every run.
    readReconcilerSettings({ [Env.MUSTER_TABLE]: "synth-check", ...plain(environment) });

    this.fn = new MusterFunction(this, "Reconcile", {
      entry: "functions/reconcile.ts",
      description: "muster reconciler: EC2 and Cloud Map against the registry",
      serviceName: "muster-reconcile",
      memorySize: props.memorySize,
      // Done well before the next run starts, so that two runs never overlap.
      timeout: Duration.seconds(Math.min(interval - 10, 300)),
      environment,
      logRetention: props.logRetention,
    });
    // A failed run is not retried: the next scheduled one does the same work with fresher data.
    this.fn.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
    props.table.grantItemAccess(this.fn.role);

    if (props.ec2) {
      this.sources.push("ec2");
      this.fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // DescribeInstances supports no resource-level permission: "*" is the only resource.
          actions: ["ec2:DescribeInstances"],
          resources: ["*"],
        }),
      );
    }
    // No IAM statement: the EKS token is a presigned GetCallerIdentity, which any role may call.
    if (k8s) this.sources.push("kubernetes");
    if (props.cloudMap) {
      this.sources.push("cloudmap");
      for (const statement of cloudMapStatements(this, props.cloudMap)) {
        this.fn.role.addToPrincipalPolicy(statement);
      }
    }

    this.rule = new events.Rule(this, "Schedule", {
      description: "Runs the muster reconciler",
      schedule: events.Schedule.rate(Duration.seconds(interval)),
      targets: [new targets.LambdaFunction(this.fn.function, { retryAttempts: 0 })],
    });
  }
}

/**
 * The Cloud Map actions the reconciler calls (shared/sources, shared/sinks), each on the
 * narrowest resource the Service Authorization Reference allows:
 * - ListServices supports no resource-level permission ("*");
 * - GetNamespace takes the namespace;
 * - CreateService takes the namespace and the new service, pinned to this namespace by the
 *   servicediscovery:NamespaceArn condition;
 * - ListInstances, RegisterInstance and DeregisterInstance take a service. A service ARN
 *   (service/srv-…) does not name its namespace and these actions offer no namespace
 *   condition, so they are scoped to this account's and region's services.
 * A DNS namespace also needs Route 53 on its own hosted zone: Cloud Map writes the records of
 * a registration with the caller's permissions.
 */
function cloudMapStatements(scope: Construct, ns: CloudMapNamespace): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const services = stack.formatArn({
    service: "servicediscovery",
    resource: "service",
    resourceName: "*",
  });
  const statements = [
    new iam.PolicyStatement({ actions: ["servicediscovery:ListServices"], resources: ["*"] }),
    new iam.PolicyStatement({
      actions: ["servicediscovery:GetNamespace"],
      resources: [ns.namespaceArn],
    }),
    new iam.PolicyStatement({
      actions: ["servicediscovery:CreateService"],
      resources: [ns.namespaceArn, services],
      conditions: { ArnEquals: { "servicediscovery:NamespaceArn": ns.namespaceArn } },
    }),
    new iam.PolicyStatement({
      actions: [
        "servicediscovery:ListInstances",
        "servicediscovery:RegisterInstance",
        "servicediscovery:DeregisterInstance",
      ],
      resources: [services],
    }),
  ];
  if (ns.hostedZoneId !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        actions: ["route53:GetHostedZone", "route53:ChangeResourceRecordSets"],
        resources: [
          stack.formatArn({
            service: "route53",
            region: "",
            account: "",
            resource: "hostedzone",
            resourceName: ns.hostedZoneId,
          }),
        ],
      }),
    );
  }
  return statements;
}
