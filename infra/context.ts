import { RemovalPolicy } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { z } from "zod";
import type { CloudMapOption } from "./constructs/cloud-map.js";
import type { TableBilling } from "./constructs/registry-table.js";
import type { MusterStackProps } from "./muster-stack.js";

/**
 * The `muster:*` context keys, read into MusterStackProps. cdk.json lists every key with its
 * default; override one with `-c muster:key=value` or in cdk.context.json. Values given on the
 * command line arrive as strings, so numbers and booleans are coerced, and an empty string
 * means "not set".
 */
const unset = (v: unknown) => (v === "" || v === null ? undefined : v);
const text = z.preprocess(unset, z.string().optional());
const int = z.preprocess(unset, z.coerce.number().int().positive().optional());
const num = z.preprocess(unset, z.coerce.number().positive().optional());
/** A value the API's own settings section checks (shared/settings), passed on as given. */
const setting = z.preprocess(
  (v) => (typeof v === "number" ? String(v) : unset(v)),
  z.string().optional(),
);
/** A JSON object, in cdk.json or as a JSON string on the command line. */
const jsonObject = z.preprocess((v, ctx) => {
  if (typeof v !== "string") return unset(v);
  if (v.trim() === "") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON object" });
    return z.NEVER;
  }
}, z.record(z.string(), z.unknown()).optional());
const bool = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().toLowerCase() === "true" : unset(v)),
  z.boolean().optional(),
);

const schema = z.object({
  stackName: z.preprocess(unset, z.string().default("Muster")),
  tableBilling: z.preprocess(unset, z.enum(["on-demand", "provisioned"]).default("on-demand")),
  minWriteCapacity: int,
  maxWriteCapacity: int,
  minReadCapacity: int,
  maxReadCapacity: int,
  targetUtilizationPercent: int,
  tableRemovalPolicy: z.preprocess(unset, z.enum(["retain", "destroy"]).default("retain")),
  tokensSecret: text,
  signingKeysSecret: text,
  presignKeysSecret: text,
  publicServices: text,
  reconcileIntervalSeconds: int,
  ec2Discovery: bool,
  ec2Filters: text,
  ec2DefaultPorts: text,
  cloudMapNamespaceId: text,
  cloudMapHostedZoneId: text,
  cloudMapCreateName: text,
  cloudMapVpcId: text,
  safetyRatio: num,
  eksCluster: text,
  eksEndpoint: text,
  eksCaData: text,
  k8sNamespaces: text,
  k8sLabelSelector: text,
  apiMemorySize: int,
  reconcilerMemorySize: int,
  edgeCacheMaxSeconds: int,
  priceClass: z.preprocess(unset, z.enum(["100", "200", "All"]).optional()),
  domainName: text,
  certificateArn: text,
  webAclArn: text,
  alarmTopicArn: text,
  membershipEvents: bool,
  eventBusName: text,
  maxWaitSeconds: int,
  iamRoles: jsonObject,
  dnsZone: setting,
  dnsIrohService: setting,
  tokenCacheSeconds: setting,
  rateLimit: setting,
  rateBurst: setting,
  maxInstancesPerService: setting,
  maxInstancesPerToken: setting,
  baseUrl: setting,
  shardConcurrency: setting,
  consulDatacenter: setting,
  consulReaskSeconds: setting,
  wafRateLimit: int,
  uiPollSeconds: int,
  logRetentionDays: int.refine(
    (days) => days === undefined || Object.values(logs.RetentionDays).includes(days),
    "must be a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, …)",
  ),
});

export type MusterContext = z.infer<typeof schema>;
export const CONTEXT_KEYS = Object.keys(schema.shape) as (keyof MusterContext)[];

const PRICE_CLASS = {
  "100": cloudfront.PriceClass.PRICE_CLASS_100,
  "200": cloudfront.PriceClass.PRICE_CLASS_200,
  All: cloudfront.PriceClass.PRICE_CLASS_ALL,
} as const;

/** Reads the muster:* keys of a construct tree's context (normally the App's). */
export function readContext(node: Node): MusterContext {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((k) => [k, node.tryGetContext(`muster:${k}`)]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `muster:${String(i.path[0])}: ${i.message}`);
    throw new Error(`invalid context: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** The stack's props for a context; whatever is unset keeps the prop's documented default. */
export function propsFromContext(c: MusterContext): MusterStackProps {
  const billing: TableBilling =
    c.tableBilling === "on-demand"
      ? { mode: "on-demand" }
      : {
          mode: "provisioned",
          ...defined({
            minWriteCapacity: c.minWriteCapacity,
            maxWriteCapacity: c.maxWriteCapacity,
            minReadCapacity: c.minReadCapacity,
            maxReadCapacity: c.maxReadCapacity,
            targetUtilizationPercent: c.targetUtilizationPercent,
          }),
        };
  return defined({
    description: "muster: serverless discovery registry",
    tableBilling: billing,
    tableRemovalPolicy: c.tableRemovalPolicy === "destroy" ? RemovalPolicy.DESTROY : undefined,
    tokensSecret: c.tokensSecret,
    signingKeysSecret: c.signingKeysSecret,
    presignKeysSecret: c.presignKeysSecret,
    publicServices: c.publicServices
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    reconcileIntervalSeconds: c.reconcileIntervalSeconds,
    ec2Discovery: c.ec2Discovery
      ? defined({ filters: c.ec2Filters, defaultPorts: c.ec2DefaultPorts })
      : undefined,
    cloudMap: cloudMap(c),
    kubernetes: kubernetes(c),
    safetyRatio: c.safetyRatio,
    apiMemorySize: c.apiMemorySize,
    reconcilerMemorySize: c.reconcilerMemorySize,
    edgeCacheMaxSeconds: c.edgeCacheMaxSeconds,
    priceClass: c.priceClass === undefined ? undefined : PRICE_CLASS[c.priceClass],
    domainName: c.domainName,
    certificateArn: c.certificateArn,
    webAclArn: c.webAclArn,
    alarmTopicArn: c.alarmTopicArn,
    membershipEvents: c.membershipEvents || undefined,
    eventBusName: c.eventBusName,
    maxWaitSeconds: c.maxWaitSeconds,
    iamRoles: c.iamRoles as MusterStackProps["iamRoles"],
    apiSettings: nonEmpty({
      dnsZone: c.dnsZone,
      dnsIrohService: c.dnsIrohService,
      tokenCacheSeconds: c.tokenCacheSeconds,
      rateLimit: c.rateLimit,
      rateBurst: c.rateBurst,
      maxInstancesPerService: c.maxInstancesPerService,
      maxInstancesPerToken: c.maxInstancesPerToken,
      baseUrl: c.baseUrl,
      shardConcurrency: c.shardConcurrency,
      consulDatacenter: c.consulDatacenter,
      consulReaskSeconds: c.consulReaskSeconds,
    }),
    uiPollSeconds: c.uiPollSeconds,
    // RetentionDays is a numeric enum of days; the schema accepted only values it lists.
    logRetention: c.logRetentionDays as logs.RetentionDays | undefined,
  });
}

function cloudMap(c: MusterContext): CloudMapOption | undefined {
  if (c.cloudMapNamespaceId && c.cloudMapCreateName) {
    throw new Error("set muster:cloudMapNamespaceId or muster:cloudMapCreateName, not both");
  }
  if (c.cloudMapNamespaceId) {
    return defined({ namespaceId: c.cloudMapNamespaceId, hostedZoneId: c.cloudMapHostedZoneId });
  }
  if (c.cloudMapCreateName) {
    if (!c.cloudMapVpcId) throw new Error("muster:cloudMapCreateName needs muster:cloudMapVpcId");
    return { create: { name: c.cloudMapCreateName, vpcId: c.cloudMapVpcId } };
  }
  return undefined;
}

/** The Kubernetes source on Lambda: an EKS cluster's three values go together. */
function kubernetes(c: MusterContext): MusterStackProps["kubernetes"] {
  const { eksCluster: cluster, eksEndpoint: endpoint, eksCaData: caData } = c;
  const any = [cluster, endpoint, caData, c.k8sNamespaces, c.k8sLabelSelector].some(
    (v) => v !== undefined,
  );
  if (!any) return undefined;
  if (cluster === undefined || endpoint === undefined || caData === undefined) {
    throw new Error(
      "the Kubernetes source on Lambda needs muster:eksCluster, muster:eksEndpoint and muster:eksCaData",
    );
  }
  return defined({
    cluster,
    endpoint,
    caData,
    namespaces: c.k8sNamespaces
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    labelSelector: c.k8sLabelSelector,
  });
}

/** The defined values, or undefined when there are none. */
function nonEmpty<T extends object>(o: T) {
  const d = defined(o);
  return Object.keys(d).length > 0 ? d : undefined;
}

/** Drops undefined values, so that an unset key leaves the prop to its default. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
