import { Stack } from "aws-cdk-lib";
import * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import { Construct } from "constructs";

/** Which Cloud Map namespace the reconciler works with. */
export type CloudMapOption =
  /** A new private DNS namespace, e.g. `muster.internal`, answering in one VPC. */
  | { readonly create: { readonly name: string; readonly vpcId: string } }
  /**
   * An existing namespace, by id (`ns-…`). Give the id of its Route 53 hosted zone for a DNS
   * namespace (Cloud Map writes its records with the caller's rights); leave it out for an
   * HTTP namespace.
   */
  | { readonly namespaceId: string; readonly hostedZoneId?: string };

/** A namespace's identifiers, as the reconciler's configuration and IAM policy need them. */
export class CloudMapNamespace extends Construct {
  readonly namespaceId: string;
  readonly namespaceArn: string;
  /** The hosted zone of a DNS namespace; undefined for an HTTP namespace. */
  readonly hostedZoneId: string | undefined;

  constructor(scope: Construct, id: string, option: CloudMapOption) {
    super(scope, id);
    if ("create" in option) {
      // The L1 takes a VPC id as a string: no VPC lookup, so synth needs no AWS account.
      const ns = new servicediscovery.CfnPrivateDnsNamespace(this, "Resource", {
        name: option.create.name,
        vpc: option.create.vpcId,
        description: "muster: instances reconciled from the registry",
      });
      this.namespaceId = ns.attrId;
      this.namespaceArn = ns.attrArn;
      this.hostedZoneId = ns.attrHostedZoneId;
    } else {
      if (!/^ns-[a-z0-9]+$/.test(option.namespaceId)) {
        throw new Error(`cloud map namespace id must look like ns-…, got ${option.namespaceId}`);
      }
      this.namespaceId = option.namespaceId;
      this.namespaceArn = Stack.of(this).formatArn({
        service: "servicediscovery",
        resource: "namespace",
        resourceName: option.namespaceId,
      });
      this.hostedZoneId = option.hostedZoneId;
    }
  }
}
