import type { Template } from "aws-cdk-lib/assertions";

/**
 * The API function's resource-based policy as Lambda evaluates it for a function URL request,
 * from the AWS::Lambda::Permission resources of a synthesized template.
 *
 * No engine simulates a Lambda resource policy offline: moto stores permissions but never
 * evaluates them, IAM's SimulatePrincipalPolicy needs an account. So this evaluates the few
 * elements an AWS::Lambda::Permission can express, by the rules of the Lambda Developer Guide
 * ("Control access to Lambda function URLs", "resource-based policies"):
 *
 * - a statement allows when its Action, Principal and every condition it carries match;
 *   with no statement allowing, the request is denied (there are no Deny statements: a
 *   Permission cannot express one);
 * - Principal: a service principal matches that service (CloudFront for OAC); an ARN matches
 *   that IAM principal — a role's session (`assumed-role/<name>/<session>`) is matched as its
 *   role; an account id or `*` would match any caller of that account or any caller at all;
 * - SourceArn (`AWS:SourceArn`, ArnLike), SourceAccount, FunctionUrlAuthType
 *   (`lambda:FunctionUrlAuthType`) and InvokedViaFunctionUrl (`lambda:InvokedViaFunctionUrl`)
 *   as conditions on the request's context;
 * - a function URL request needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction
 *   (with InvokedViaFunctionUrl true) since October 2025.
 *
 * CloudFormation's intrinsics are resolved with a fixed account, partition and distribution id.
 */
export interface Caller {
  /** An IAM role session of some account, or a service principal acting for a resource. */
  principal:
    | { role: string; account: string }
    | { service: string; sourceArn?: string; sourceAccount?: string }
    | "anonymous";
}

export const ACCOUNT = "123456789012";
export const PARTITION = "aws";
export const DISTRIBUTION_ID = "E2EXAMPLE12345";

interface Permission {
  Action: string;
  FunctionName: unknown;
  Principal: unknown;
  SourceArn?: unknown;
  SourceAccount?: unknown;
  FunctionUrlAuthType?: string;
  InvokedViaFunctionUrl?: boolean;
  PrincipalOrgID?: string;
}

/** Resolves Ref, Fn::Join, Fn::GetAtt of the few logical ids a permission names. */
function resolver(template: Template, distributionLogicalId: string, functionLogicalId: string) {
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const resolve = (value: unknown): unknown => {
    if (typeof value === "string" || typeof value === "boolean") return value;
    const v = value as Record<string, unknown>;
    if ("Ref" in v) {
      if (v.Ref === "AWS::AccountId") return ACCOUNT;
      if (v.Ref === "AWS::Partition") return PARTITION;
      if (v.Ref === distributionLogicalId) return DISTRIBUTION_ID;
      throw new Error(`unresolved Ref ${String(v.Ref)}`);
    }
    if ("Fn::Join" in v) {
      const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
      return parts.map((p) => String(resolve(p))).join(sep);
    }
    if ("Fn::GetAtt" in v) {
      const [id, attr] = v["Fn::GetAtt"] as [string, string];
      const type = resources[id]?.Type;
      // The function's ARN, by the function or by its URL (FunctionArn).
      if (
        (id === functionLogicalId && attr === "Arn") ||
        (type === "AWS::Lambda::Url" && attr === "FunctionArn")
      ) {
        return "api-function";
      }
      return `${id}.${attr}`;
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  return resolve;
}

/** The API function's permissions, intrinsics resolved. */
export function apiPermissions(
  template: Template,
  ids: { distribution: string; function: string },
): Permission[] {
  const resolve = resolver(template, ids.distribution, ids.function);
  return Object.values(template.findResources("AWS::Lambda::Permission"))
    .map((r) => {
      const p = r.Properties as Permission;
      return {
        ...p,
        FunctionName: resolve(p.FunctionName),
        Principal: resolve(p.Principal),
        ...(p.SourceArn === undefined ? {} : { SourceArn: resolve(p.SourceArn) }),
        ...(p.SourceAccount === undefined ? {} : { SourceAccount: resolve(p.SourceAccount) }),
      };
    })
    .filter((p) => p.FunctionName === "api-function");
}

function principalMatches(p: Permission, caller: Caller["principal"]): boolean {
  const principal = String(p.Principal);
  if (principal === "*") return true;
  if (caller === "anonymous") return false;
  if ("service" in caller) return principal === caller.service;
  if (/^\d{12}$/.test(principal)) return principal === caller.account;
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal);
  if (root) return root[1] === caller.account;
  return principal === `arn:${PARTITION}:iam::${caller.account}:role/${caller.role}`;
}

function arnLike(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
  return re.test(value);
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function allows(p: Permission, caller: Caller, action: string, viaUrl: boolean): boolean {
  if (p.Action !== action && p.Action !== "lambda:*") return false;
  if (!principalMatches(p, caller.principal)) return false;
  const service =
    typeof caller.principal === "object" && "service" in caller.principal
      ? caller.principal
      : undefined;
  if (p.SourceArn !== undefined && !arnLike(String(p.SourceArn), service?.sourceArn)) return false;
  if (p.SourceAccount !== undefined && p.SourceAccount !== service?.sourceAccount) return false;
  if (p.FunctionUrlAuthType !== undefined && p.FunctionUrlAuthType !== "AWS_IAM") return false;
  if (p.InvokedViaFunctionUrl === true && !viaUrl) return false;
  if (p.PrincipalOrgID !== undefined) return false;
  return true;
}

/** Whether Lambda lets this caller invoke the function through its AWS_IAM URL. */
export function mayInvokeUrl(permissions: Permission[], caller: Caller): boolean {
  const url = permissions.some((p) => allows(p, caller, "lambda:InvokeFunctionUrl", true));
  const invoke = permissions.some((p) => allows(p, caller, "lambda:InvokeFunction", true));
  return url && invoke;
}

/** Whether the policy lets this caller call Invoke directly, not through the URL. */
export function mayInvokeDirectly(permissions: Permission[], caller: Caller): boolean {
  return permissions.some((p) => allows(p, caller, "lambda:InvokeFunction", false));
}

export const distributionArn = (id = DISTRIBUTION_ID, account = ACCOUNT) =>
  `arn:${PARTITION}:cloudfront::${account}:distribution/${id}`;
