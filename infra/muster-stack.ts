import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import type * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { EDGE_CACHE_SECONDS } from "../shared/http/cacheable.js";
import { RegistryAlarms } from "./constructs/alarms.js";
import {
  ApiFunction,
  type ApiSettingsProps,
  type IamRoleGrantProps,
} from "./constructs/api-function.js";
import { CloudMapNamespace, type CloudMapOption } from "./constructs/cloud-map.js";
import { FrontDoor } from "./constructs/front-door.js";
import { MembershipEvents } from "./constructs/membership-events.js";
import { NodeAccess } from "./constructs/node-access.js";
import { type Ec2Discovery, type EksDiscovery, Reconciler } from "./constructs/reconciler.js";
import { RegistryTable, type TableBilling } from "./constructs/registry-table.js";
import { API_MEMORY_MB } from "./defaults.js";

export interface MusterStackProps extends StackProps {
  /**
   * How the table pays for throughput: on-demand, or provisioned with auto scaling (about a
   * third of the cost for the steady load of heartbeats).
   * @default { mode: "on-demand" }
   */
  readonly tableBilling?: TableBilling;
  /**
   * What deleting the stack does to the table. RETAIN also enables deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * The bearer tokens: a Secrets Manager secret, by full ARN or by name, whose string is the
   * tokens separated by commas or line breaks.
   * @default - a new secret holding one generated 48-character token
   */
  readonly tokensSecret?: string;
  /**
   * The signing key set: a Secrets Manager secret, by full ARN or by name, in the format of
   * shared/signing/keys.ts (`npm run keys -- init --secret <arn>` writes one).
   * @default - a new secret whose random value seeds the first key, generated at deploy
   */
  readonly signingKeysSecret?: string;
  /**
   * The presigned-URL keys: a Secrets Manager secret, by full ARN or by name, holding a JSON
   * object `{"<key id>": "<secret of 32+ characters>"}`; the last key signs new URLs.
   * @default - a new secret `{"k1": <64 random characters>}` generated at deploy
   */
  readonly presignKeysSecret?: string;
  /**
   * Services whose reads need no token (MUSTER_PUBLIC_SERVICES).
   * @default - none
   */
  readonly publicServices?: string[];
  /**
   * Seconds between reconciler runs; a whole number of minutes.
   * @default 60
   */
  readonly reconcileIntervalSeconds?: number;
  /**
   * Find EC2 instances by tag. Without it the reconciler gets no EC2 permission.
   * @default - off
   */
  readonly ec2Discovery?: Ec2Discovery;
  /**
   * A Cloud Map namespace to reconcile with: a new private DNS namespace, or an existing one
   * by id. Without it the reconciler gets no Cloud Map permission.
   * @default - none
   */
  readonly cloudMap?: CloudMapOption;
  /**
   * An EKS cluster's EndpointSlices as a source (the Kubernetes source on Lambda). The
   * cluster must admit the reconciler's role (the ReconcilerRoleArn output).
   * @default - none
   */
  readonly kubernetes?: EksDiscovery;
  /**
   * Passed to the reconciler as MUSTER_SAFETY_RATIO (its guard against acting on a source
   * that suddenly reports far fewer instances; see shared/reconcile).
   * @default - the reconciler's own default
   */
  readonly safetyRatio?: number;
  /**
   * Memory of the API function, in MB (CPU scales with it, and so does cold-start time).
   * @default 384 (infra/defaults.ts: the floor a 100,000-instance listing fits in)
   */
  readonly apiMemorySize?: number;
  /**
   * Memory of the reconciler function, in MB.
   * @default 512
   */
  readonly reconcilerMemorySize?: number;
  /**
   * The longest CloudFront keeps a read; the app's s-maxage decides within it.
   * @default 5 (EDGE_CACHE_SECONDS in shared/http/cacheable.ts)
   */
  readonly edgeCacheMaxSeconds?: number;
  /** @default cloudfront.PriceClass.PRICE_CLASS_100 (North America, Europe, Israel) */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * A custom domain name for the registry; requires `certificateArn`.
   * @default - the distribution's *.cloudfront.net name
   */
  readonly domainName?: string;
  /**
   * ACM certificate (in us-east-1) for `domainName`.
   * @default - none
   */
  readonly certificateArn?: string;
  /**
   * AWS WAF web ACL ARN (CLOUDFRONT scope) for the distribution.
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * SNS topic ARN the alarms notify.
   * @default - none: alarms show in the console only
   */
  readonly alarmTopicArn?: string;
  /**
   * How long the functions' logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Membership-change events: a stream on the table and a function that puts one EventBridge
   * event per service change (docs/watch.md).
   * @default false
   */
  readonly membershipEvents?: boolean;
  /**
   * Blocking reads on Lambda (`?wait=`), held up to this many seconds (1-10) and re-reading
   * the table every second while held. Each held read is billed function time.
   * @default - refused with 400 wait_unsupported, pointing to the events
   */
  readonly maxWaitSeconds?: number;
  /**
   * How often the web UI (/ui) re-reads what it shows (MUSTER_UI_POLL_SECONDS, 2-3600).
   * @default 10
   */
  readonly uiPollSeconds?: number;
  /**
   * The bus the membership-change events go to.
   * @default "default"
   */
  readonly eventBusName?: string;
  /**
   * IAM roles of this account whose nodes write without a token: they sign their requests to
   * the function URL with SigV4 (`muster-agent run --aws-iam`), the function's resource policy
   * admits exactly these roles, and the function maps each to its scope (MUSTER_IAM_ROLES).
   * Keyed by role name, with its IAM path if it has one (`ops/web-nodes`). The roles must
   * exist before the stack deploys.
   * @default - none: every write comes through CloudFront with a token
   */
  readonly iamRoles?: Readonly<Record<string, IamRoleGrantProps>>;
  /**
   * The API's other settings (DNS zone, token cache, rate limit, caps, base URL, shard
   * concurrency), each one variable of shared/settings, checked at synth.
   * @default - each setting's default; baseUrl `https://<domainName>` with a custom domain
   */
  readonly apiSettings?: ApiSettingsProps;
}

/**
 * muster in one AWS account and region: the table, the API behind CloudFront, the scheduled
 * reconciler, optionally a Cloud Map namespace, the tokens secret, and alarms.
 */
export class MusterStack extends Stack {
  readonly table: RegistryTable;
  readonly tokensSecret: secretsmanager.ISecret;
  readonly signingKeysSecret: secretsmanager.ISecret;
  readonly presignKeysSecret: secretsmanager.ISecret;
  readonly api: ApiFunction;
  readonly frontDoor: FrontDoor;
  readonly nodeAccess: NodeAccess;
  readonly reconciler: Reconciler;
  readonly alarms: RegistryAlarms;
  readonly membershipEvents: MembershipEvents | undefined;

  constructor(scope: Construct, id: string, props: MusterStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new RegistryTable(this, "Registry", {
      ...(props.tableBilling && { billing: props.tableBilling }),
      ...(props.tableRemovalPolicy && { removalPolicy: props.tableRemovalPolicy }),
      ...(props.membershipEvents && { stream: true }),
    });
    this.tokensSecret = tokensSecret(this, props.tokensSecret);
    this.signingKeysSecret = signingKeysSecret(this, props.signingKeysSecret);
    this.presignKeysSecret = presignKeysSecret(this, props.presignKeysSecret);

    this.api = new ApiFunction(this, "Api", {
      table: this.table,
      tokensSecret: this.tokensSecret,
      signingKeysSecret: this.signingKeysSecret,
      presignKeysSecret: this.presignKeysSecret,
      publicServices: props.publicServices ?? [],
      ...(props.maxWaitSeconds && { maxWaitSeconds: props.maxWaitSeconds }),
      ...(props.iamRoles && { iamRoles: props.iamRoles }),
      settings: {
        // Minted presigned URLs point at the registry's own name (a function URL answers no
        // unsigned request); without a custom domain the minting request names it (the CLIs
        // send --registry as base_url), since the distribution's name is not known before it
        // exists, after the function.
        ...(props.domainName && { baseUrl: `https://${props.domainName}` }),
        ...props.apiSettings,
      },
      ...(props.uiPollSeconds && { uiPollSeconds: props.uiPollSeconds }),
      memorySize: props.apiMemorySize ?? API_MEMORY_MB,
      logRetention,
    });
    this.frontDoor = new FrontDoor(this, "FrontDoor", {
      function: this.api.fn.function,
      maxCacheSeconds: props.edgeCacheMaxSeconds ?? EDGE_CACHE_SECONDS,
      ...(props.priceClass && { priceClass: props.priceClass }),
      ...(props.domainName && { domainName: props.domainName }),
      ...(props.certificateArn && { certificateArn: props.certificateArn }),
      ...(props.webAclArn && { webAclArn: props.webAclArn }),
    });
    this.nodeAccess = new NodeAccess(this, "NodeAccess", {
      function: this.api.fn.function,
      roles: this.api.iamRoleKeys,
    });

    const namespace =
      props.cloudMap === undefined
        ? undefined
        : new CloudMapNamespace(this, "CloudMap", props.cloudMap);
    this.reconciler = new Reconciler(this, "Reconciler", {
      table: this.table,
      intervalSeconds: props.reconcileIntervalSeconds ?? 60,
      ...(props.ec2Discovery && { ec2: props.ec2Discovery }),
      ...(namespace && { cloudMap: namespace }),
      ...(props.kubernetes && { kubernetes: props.kubernetes }),
      ...(props.safetyRatio !== undefined && { safetyRatio: props.safetyRatio }),
      memorySize: props.reconcilerMemorySize ?? 512,
      logRetention,
    });

    this.membershipEvents = props.membershipEvents
      ? new MembershipEvents(this, "MembershipEvents", {
          table: this.table,
          ...(props.eventBusName && { eventBusName: props.eventBusName }),
          logRetention,
        })
      : undefined;

    this.alarms = new RegistryAlarms(this, "Alarms", {
      api: this.api.fn.function,
      reconciler: this.reconciler.fn.function,
      sources: this.reconciler.sources,
      ...(props.alarmTopicArn && { topicArn: props.alarmTopicArn }),
    });

    new CfnOutput(this, "RegistryUrl", {
      description:
        "Base URL of the registry (CloudFront): reads, and writes from outside AWS with the token in X-Muster-Token",
      value: this.frontDoor.url,
    });
    new CfnOutput(this, "JoinUrlExample", {
      // Blixard's --join-address sends no token, so it cannot read this URL: it needs a
      // presigned join URL, which only a running registry can mint.
      description:
        "peers.json of a service named example, what muster-agent join reads (with a token) into Blixard's discovery-peers.json; Blixard's --join-address takes a presigned join URL instead (npm run presign -- --file bootstrap)",
      value: `${this.frontDoor.url}/v1/services/example/peers.json`,
    });
    new CfnOutput(this, "FunctionUrl", {
      description:
        "Where nodes in AWS send heartbeats signed with their own role (muster-agent run --aws-iam --registry <this>): AuthType AWS_IAM, only the roles of muster:iamRoles (and CloudFront) may invoke it",
      value: this.frontDoor.functionUrl.url,
    });
    new CfnOutput(this, "TableName", { value: this.table.table.tableName });
    new CfnOutput(this, "TokensSecretArn", {
      description: "Secrets Manager secret holding the bearer tokens",
      value: this.tokensSecret.secretArn,
    });
    new CfnOutput(this, "PresignKeysSecretArn", {
      description:
        "Secrets Manager secret holding the presigned-URL keys; remove a key id to kill its URLs",
      value: this.presignKeysSecret.secretArn,
    });
    new CfnOutput(this, "SigningKeysSecretArn", {
      description:
        "Secrets Manager secret holding the signing keys (npm run keys -- rotate --secret)",
      value: this.signingKeysSecret.secretArn,
    });
    new CfnOutput(this, "SigningKeysUrl", {
      description: "The public keys joining nodes verify registry files with (join --verify-key)",
      value: `${this.frontDoor.url}/.well-known/muster-keys.json`,
    });
    if (namespace) {
      new CfnOutput(this, "CloudMapNamespaceId", { value: namespace.namespaceId });
    }
    new CfnOutput(this, "ReconcilerRoleArn", {
      description:
        "The reconciler's role: the principal of an EKS access entry for the Kubernetes source",
      value: this.reconciler.fn.role.roleArn,
    });
  }
}

/**
 * A secret the API reads: imported by full ARN or by name, or a new one whose value Secrets
 * Manager generates when the stack is created, so that it is never in the template, the cloud
 * assembly or the function's environment.
 */
function secret(
  scope: Construct,
  id: string,
  ref: string | undefined,
  create: { description: string; generate: secretsmanager.SecretStringGenerator },
): secretsmanager.ISecret {
  if (ref?.startsWith("arn:")) return secretsmanager.Secret.fromSecretCompleteArn(scope, id, ref);
  if (ref) return secretsmanager.Secret.fromSecretNameV2(scope, id, ref);
  return new secretsmanager.Secret(scope, id, {
    description: create.description,
    generateSecretString: create.generate,
  });
}

/** 64 random characters under `key` of a JSON object. */
const generatedKey = (key: string): secretsmanager.SecretStringGenerator => ({
  secretStringTemplate: "{}",
  generateStringKey: key,
  passwordLength: 64,
  excludePunctuation: true,
  includeSpace: false,
});

/** The tokens secret: one generated 48-character token unless imported. */
const tokensSecret = (scope: Construct, ref: string | undefined) =>
  secret(scope, "Tokens", ref, {
    description: "muster bearer tokens, separated by commas or line breaks",
    generate: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  });

/**
 * The signing key set: imported, or `{"generated":"<64 random characters>"}` from which the
 * first key is derived (shared/signing/keys.ts). So no key material is in the template, no
 * custom resource generates one, and the API function needs no right to write the secret;
 * rotation is `npm run keys -- rotate --secret <arn>` with the operator's own credentials.
 */
const signingKeysSecret = (scope: Construct, ref: string | undefined) =>
  secret(scope, "SigningKeys", ref, {
    description: "muster signing keys (Ed25519); rotate with npm run keys -- rotate --secret",
    generate: generatedKey("generated"),
  });

/**
 * The presigned-URL keys (shared/auth/presign-keys.ts): imported, or `{"k1":"<64 random
 * characters>"}`. Rotate by adding a key id at the end of the object (it signs from then on),
 * and remove the old id once its URLs may stop working; the API reloads within five minutes.
 */
const presignKeysSecret = (scope: Construct, ref: string | undefined) =>
  secret(scope, "PresignKeys", ref, {
    description: "muster presigned-URL keys: {key id: secret}; the last key signs",
    generate: generatedKey("k1"),
  });
