import { join } from "node:path";
import { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { ApplicationLogLevel } from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { readApiSettings } from "../../shared/settings/api.js";
import { readDnsSettings } from "../../shared/settings/dns.js";
import { Env } from "../../shared/settings/names.js";
import { readSections } from "../../shared/settings/read.js";
import { MusterFunction, plain, REPO_ROOT } from "./muster-function.js";
import type { RegistryTable } from "./registry-table.js";

/**
 * The API's settings the stack sets beside the ones it makes itself (table, secrets, public
 * services, blocking reads, IAM roles): each prop is one variable of shared/settings' API or
 * DNS section, read back through that section at synth. Local mode reads the same variables
 * from its environment; docs/deploy.md lists which are local-only and why.
 */
export const API_SETTING_VARIABLES = {
  dnsZone: Env.MUSTER_DNS_ZONE,
  dnsIrohService: Env.MUSTER_DNS_IROH_SERVICE,
  tokenCacheSeconds: Env.MUSTER_TOKEN_CACHE_SECONDS,
  rateLimit: Env.MUSTER_RATE_LIMIT,
  rateBurst: Env.MUSTER_RATE_BURST,
  maxInstancesPerService: Env.MUSTER_MAX_INSTANCES_PER_SERVICE,
  maxInstancesPerToken: Env.MUSTER_MAX_INSTANCES_PER_TOKEN,
  baseUrl: Env.MUSTER_BASE_URL,
  shardConcurrency: Env.MUSTER_SHARD_CONCURRENCY,
  consulDatacenter: Env.MUSTER_CONSUL_DATACENTER,
  consulReaskSeconds: Env.MUSTER_CONSUL_REASK_SECONDS,
} as const;

/** Values of API_SETTING_VARIABLES, by prop; unset keeps the setting's own default. */
export type ApiSettingsProps = {
  readonly [K in keyof typeof API_SETTING_VARIABLES]?: string | number;
};

/** An IAM role's grant as the stack takes it (MUSTER_IAM_ROLES; shared/auth/iam-roles.ts). */
export interface IamRoleGrantProps {
  readonly role: "read" | "register";
  readonly services: readonly string[];
  /** @default false */
  readonly bindInstanceId?: boolean;
}

export interface ApiFunctionProps {
  readonly table: RegistryTable;
  /** The bearer tokens (shared/auth/secret-tokens.ts reads its format). */
  readonly tokensSecret: secretsmanager.ISecret;
  /** The signing key set (shared/signing/keys.ts reads its format). */
  readonly signingKeysSecret: secretsmanager.ISecret;
  /** The presigned-URL keys (shared/auth/presign-keys.ts reads its format). */
  readonly presignKeysSecret: secretsmanager.ISecret;
  /** Services whose reads need no token. */
  readonly publicServices: readonly string[];
  /** MUSTER_MAX_WAIT_SECONDS: blocking reads up to this long (1-10). @default - refused */
  readonly maxWaitSeconds?: number;
  /** MUSTER_IAM_ROLES, by `[path/]role name`. @default - none: every request needs a token */
  readonly iamRoles?: Readonly<Record<string, IamRoleGrantProps>>;
  /** @default - each setting's own default */
  readonly settings?: ApiSettingsProps;
  /** MUSTER_UI_POLL_SECONDS: the web UI's poll interval (2-3600). @default - the app's, 10 */
  readonly uiPollSeconds?: number;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * functions/api.ts: the whole HTTP contract. Its role may touch its table's items, read the
 * tokens, signing keys and presign keys secrets, and write its log group — nothing else.
 */
export class ApiFunction extends Construct {
  readonly fn: MusterFunction;
  /** The `[path/]name` of each IAM role the function maps to a scope. */
  readonly iamRoleKeys: readonly string[];

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const environment: Record<string, string> = {
      [Env.MUSTER_TABLE]: props.table.table.tableName,
      // The ARN only: the tokens themselves are fetched at cold start and never in the
      // template or the environment.
      [Env.MUSTER_TOKENS_SECRET_ARN]: props.tokensSecret.secretArn,
      // Likewise the private signing keys: read, never written, by the function.
      [Env.MUSTER_SIGNING_KEYS_SECRET_ARN]: props.signingKeysSecret.secretArn,
      // And the presigned-URL keys: loaded only by a request carrying or minting a signature.
      [Env.MUSTER_PRESIGN_KEYS_SECRET_ARN]: props.presignKeysSecret.secretArn,
    };
    if (props.publicServices.length > 0) {
      environment[Env.MUSTER_PUBLIC_SERVICES] = props.publicServices.join(",");
    }
    if (props.maxWaitSeconds) {
      environment[Env.MUSTER_MAX_WAIT_SECONDS] = String(props.maxWaitSeconds);
    }
    if (props.iamRoles && Object.keys(props.iamRoles).length > 0) {
      environment[Env.MUSTER_IAM_ROLES] = JSON.stringify(props.iamRoles);
    }
    for (const [prop, variable] of Object.entries(API_SETTING_VARIABLES)) {
      const value = props.settings?.[prop as keyof ApiSettingsProps];
      if (value !== undefined && value !== "") environment[variable] = String(value);
    }
    if (props.uiPollSeconds) {
      environment[Env.MUSTER_UI_POLL_SECONDS] = String(props.uiPollSeconds);
    }
    // The function reads its environment with the same code at cold start (lambdaApi): a bad
    // value fails synth here instead of every cold start there.
    const synthCheck = { [Env.MUSTER_TABLE]: "synth-check", ...plain(environment) };
    readSections({
      api: () => readApiSettings(synthCheck),
      dns: () => readDnsSettings(synthCheck),
    });
    this.iamRoleKeys = Object.keys(props.iamRoles ?? {});
    this.fn = new MusterFunction(this, "Api", {
      entry: "functions/api.ts",
      description: "muster HTTP API",
      serviceName: "muster-api",
      memorySize: props.memorySize,
      // The DynamoDB client gives up within ~10 s (3 attempts of 3 s) and answers 503; the
      // function must outlive that, and CloudFront waits 30 s.
      timeout: Duration.seconds(15),
      environment,
      logRetention: props.logRetention,
      // The API logs only what needs a look (warnings, errors); a heartbeat writes no line.
      applicationLogLevel: ApplicationLogLevel.WARN,
      // The web UI, built from ui/ into the asset beside index.js, where functions/api.ts
      // reads it (docs/ui.md): the same build step as `npm run build:ui`.
      afterBundling: (outputDir) => [
        `"${process.execPath}" "${join(REPO_ROOT, "ui", "build.mjs")}" "${join(outputDir, "ui")}"`,
      ],
    });
    props.table.grantItemAccess(this.fn.role);
    // GetSecretValue only (secret.grantRead adds DescribeSecret, which the code never calls).
    // An imported secret known by name has a random ARN suffix: match it with `-??????`.
    for (const secret of [props.tokensSecret, props.signingKeysSecret, props.presignKeysSecret]) {
      this.fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
        }),
      );
    }
  }
}
