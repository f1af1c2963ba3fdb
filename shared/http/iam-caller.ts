import type { Context } from "hono";
import type { IamCaller } from "../auth/iam-roles.js";

/** Who signed a request that IAM let through, and the account of the function it reached. */
export interface SignedCaller {
  caller: IamCaller;
  /** The function's own account (`requestContext.accountId`). */
  functionAccount: string;
}

/** How the app learns the IAM caller of a request: only the Lambda entry can say. */
export type CallerOf = (c: Context) => SignedCaller | undefined;

interface LambdaBindings {
  requestContext?: {
    accountId?: unknown;
    authorizer?: { iam?: { accountId?: unknown; userArn?: unknown } | null } | null;
  };
}

/**
 * The caller from the function URL event hono's Lambda adapter passes as bindings
 * (`c.env.requestContext`): Lambda fills `authorizer.iam` once it has checked the SigV4
 * signature and the resource policy (AuthType AWS_IAM), and nothing a client sends can set it.
 * Undefined for an unsigned request, and for any runtime but Lambda's.
 */
export const lambdaCaller: CallerOf = (c) => {
  const context = (c.env as LambdaBindings | undefined)?.requestContext;
  const iam = context?.authorizer?.iam;
  if (
    typeof context?.accountId !== "string" ||
    typeof iam?.accountId !== "string" ||
    typeof iam.userArn !== "string"
  ) {
    return undefined;
  }
  return {
    caller: { accountId: iam.accountId, userArn: iam.userArn },
    functionAccount: context.accountId,
  };
};
