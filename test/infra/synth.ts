import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type CfnResource } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CfnRole } from "aws-cdk-lib/aws-iam";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { MusterStack, type MusterStackProps } from "../../infra/muster-stack.js";
import { acknowledgeNagFindings, checkWithNag } from "../../infra/nag.js";

/** cdk.json's context (feature flags and muster:* defaults), as `cdk synth` sees it. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  }
).context;

export interface Synthesized {
  stack: MusterStack;
  template: Template;
  assembly: CloudAssembly;
  /** cdk-nag findings left after the acknowledgements, as synth would report them. */
  nagViolations: { ruleName: string; paths: string[] }[];
}

/**
 * Builds the stack the way infra/app.ts does (same context, same nag wiring) and synthesizes
 * it once: synthesis runs esbuild on both functions, so share the result within a file.
 * `bundle: false` skips esbuild (assets become placeholders) where bundles are not the point.
 */
export function synthesize(props: MusterStackProps = {}, bundle = true): Synthesized {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), "muster-cdk-test-")),
    context: { ...CDK_JSON_CONTEXT, ...(bundle ? {} : { "aws:cdk:bundling-stacks": [] }) },
  });
  const stack = new MusterStack(app, "Muster", props);
  acknowledgeNagFindings(stack);
  checkWithNag(app);
  // Synth fails on any unacknowledged finding; validateScope lists them for a readable failure.
  const nagViolations = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => ({
    ruleName: v.ruleName,
    paths: v.violatingResources.map((r) => r.constructPath ?? "?"),
  }));
  const assembly = app.synth();
  return { stack, template: Template.fromStack(stack), assembly, nagViolations };
}

/**
 * A folder for Apps that are never synthesized: `new App()` creates its output folder at once,
 * in the system temp folder unless told otherwise. Remove it with `rmSync` after the tests.
 */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "muster-cdk-test-"));
}

/** Removes the cloud assembly (bundles included) a synthesize() call wrote. */
export function cleanUp(s: Synthesized | undefined): void {
  if (s) rmSync(s.assembly.directory, { recursive: true, force: true });
}

/** A resource's logical id, for matching Ref / Fn::GetAtt in the template. */
export function logicalId(construct: IConstruct): string {
  const stack = MusterStack.of(construct);
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of every inline policy attached to a role. */
export function roleStatements(template: Template, role: CfnRole | IConstruct): Statement[] {
  const id = logicalId(role);
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === id))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every statement of every IAM policy in the template, inline or managed. */
export function allStatements(template: Template): Statement[] {
  interface Document {
    Statement: Statement[];
  }
  const json = template.toJSON() as {
    Resources: Record<
      string,
      {
        Type: string;
        Properties: { PolicyDocument: Document; Policies?: { PolicyDocument: Document }[] };
      }
    >;
  };
  const out: Statement[] = [];
  for (const r of Object.values(json.Resources)) {
    if (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::ManagedPolicy") {
      out.push(...r.Properties.PolicyDocument.Statement);
    }
    if (r.Type === "AWS::IAM::Role") {
      for (const p of r.Properties.Policies ?? []) out.push(...p.PolicyDocument.Statement);
    }
  }
  return out;
}

export const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
