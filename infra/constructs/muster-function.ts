import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Duration, RemovalPolicy, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { LAMBDA_ALIASES, MAIN_FIELDS } from "../lambda-bundle.js";

/** The repository root: infra refers to functions/ by path only (docs/design.md), bundled from here. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface MusterFunctionProps {
  /** The handler's file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Powertools' service name: the `service` dimension of the function's metrics. */
  readonly serviceName: string;
  /** MB; also buys CPU, which is most of a cold start. */
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /**
   * The lowest level of the function's own log lines that reach CloudWatch.
   * @default ApplicationLogLevel.INFO
   */
  readonly applicationLogLevel?: ApplicationLogLevel;
  /**
   * Shell commands run after bundling, given the bundle's folder (files to ship beside it).
   * @default - none
   */
  readonly afterBundling?: (outputDir: string) => string[];
}

/**
 * A muster function as both entries need it: nodejs24.x on arm64, bundled by the project's own
 * esbuild (never Docker) into one minified CommonJS file, with its own log group and a role that
 * holds nothing but the right to write that log group. Callers add what the code calls.
 */
export class MusterFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MusterFunctionProps) {
    super(scope, id);

    // Logs are operational and expire anyway: they go with the stack, unlike the table.
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role, so that CDK attaches no AWSLambdaBasicExecutionRole (logs:* on every
    // log group): this one may write its own log group only.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs the ${props.description} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, "Function", {
      entry: join(REPO_ROOT, props.entry),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // JSON logs let the levels filter: system level WARN drops Lambda's START, END and
      // REPORT lines, three per invocation and most of the log bill of a heartbeat
      // (docs/cost.md). Powertools reads the application level from AWS_LAMBDA_LOG_LEVEL.
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: props.applicationLogLevel ?? ApplicationLogLevel.INFO,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        // CommonJS (index.js), not ESM: an ES module's imports of Node's built-in modules
        // load modules at import that a handler needs late or never (infra/lambda-bundle.ts).
        format: OutputFormat.CJS,
        target: "node24",
        mainFields: MAIN_FIELDS,
        minify: true,
        // The runtime ships an AWS SDK v3, but one that changes under us with runtime updates;
        // bundling pins the version the tests ran against (package-lock.json) at the cost of
        // a few hundred KB. Nothing is external: everything else is plain JS for Node 24.
        bundleAwsSDK: true,
        externalModules: [],
        esbuildArgs: Object.fromEntries(
          Object.entries(LAMBDA_ALIASES).map(([name, path]) => [`--alias:${name}`, path]),
        ),
        // Minified stack traces are the price of a smaller, faster-loading bundle; errors are
        // logged with their messages, and the code is small enough to read.
        sourceMap: false,
        logLevel: LogLevel.WARNING,
        ...(props.afterBundling && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) =>
              props.afterBundling?.(outputDir) ?? [],
          },
        }),
      },
    });
  }
}

/** The environment without the values CloudFormation fills in at deploy time. */
export function plain(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([, v]) => !Token.isUnresolved(v)));
}
