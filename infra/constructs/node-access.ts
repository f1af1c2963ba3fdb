import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { roleName, rolePath } from "../../shared/auth/iam-roles.js";

export interface NodeAccessProps {
  /** The API function behind its AWS_IAM function URL. */
  readonly function: lambda.IFunction;
  /** `[path/]name` of each role the function maps to a scope (MUSTER_IAM_ROLES). */
  readonly roles: readonly string[];
}

/**
 * The function's resource policy for the nodes in AWS: each role the mapping names, in this
 * stack's own account, may invoke the function through its URL, and nobody else by this
 * policy (CloudFront's grant, with the distribution as source, is the front door's). A URL
 * made since October 2025 needs both actions: InvokeFunctionUrl, and InvokeFunction with
 * `lambda:InvokedViaFunctionUrl`, which keeps the second from allowing a direct Invoke.
 *
 * The roles must exist when the stack deploys: Lambda refuses a policy naming an unknown
 * principal. A role gets no identity policy of its own from this: in one account the
 * resource policy suffices.
 */
export class NodeAccess extends Construct {
  /** The role ARNs admitted, in the order given. */
  readonly roleArns: string[];

  constructor(scope: Construct, id: string, props: NodeAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.roleArns = props.roles.map((key) =>
      stack.formatArn({
        service: "iam",
        region: "",
        resource: "role",
        resourceName: `${rolePath(key).slice(1)}${roleName(key)}`,
      }),
    );
    this.roleArns.forEach((arn, i) => {
      const principal = new iam.ArnPrincipal(arn);
      props.function.addPermission(`Node${i}InvokeUrl`, {
        principal,
        action: "lambda:InvokeFunctionUrl",
        functionUrlAuthType: lambda.FunctionUrlAuthType.AWS_IAM,
      });
      props.function.addPermission(`Node${i}Invoke`, {
        principal,
        action: "lambda:InvokeFunction",
        invokedViaFunctionUrl: true,
      });
    });
  }
}
