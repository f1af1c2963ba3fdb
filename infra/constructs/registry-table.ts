import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { TABLE_KEYS } from "../../shared/store/dynamodb/table.js";
import { PROVISIONED_DEFAULTS, WARM_THROUGHPUT } from "../defaults.js";

/**
 * The item-level actions shared/store/dynamo-store.ts calls, and all either function gets on
 * the table: no Scan, no batch or transaction, no table-level (Describe*, Update*, Delete*).
 */
export const ITEM_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
] as const;

/** Auto scaling bounds for provisioned capacity. */
export interface ProvisionedCapacity {
  /**
   * Write units never scaled below.
   * @default 5 (PROVISIONED_DEFAULTS in infra/defaults.ts)
   */
  readonly minWriteCapacity?: number;
  /**
   * Write units never scaled above. A heartbeat is one write unit; 100,000 instances every
   * 10 s are 10,000 writes/s, 12,500 units at 80 % utilisation.
   * @default 15000
   */
  readonly maxWriteCapacity?: number;
  /**
   * Read units never scaled below.
   * @default 5
   */
  readonly minReadCapacity?: number;
  /**
   * Read units never scaled above. The edge cache absorbs most reads.
   * @default 2000
   */
  readonly maxReadCapacity?: number;
  /**
   * Utilisation auto scaling aims for; lower leaves more headroom for a burst of nodes booting.
   * @default 80
   */
  readonly targetUtilizationPercent?: number;
}

/**
 * How the table pays for throughput. On-demand suits an unknown or spiky load; heartbeats are
 * a steady load, where provisioned capacity with auto scaling costs about a third as much.
 */
export type TableBilling =
  | { readonly mode: "on-demand" }
  | ({ readonly mode: "provisioned" } & ProvisionedCapacity);

export interface RegistryTableProps {
  /**
   * @default { mode: "on-demand" }
   */
  readonly billing?: TableBilling;
  /**
   * What deleting the stack does to the table. RETAIN also turns deletion protection on.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A stream of old and new images, for the membership-change events.
   * @default false
   */
  readonly stream?: boolean;
}

/**
 * The one table (shared/store/table.ts has the same shape for local mode): string keys pk/sk,
 * TTL on expires_at, point-in-time recovery, encrypted with the AWS managed KMS key.
 */
export class RegistryTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: RegistryTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.TableV2(this, "Table", {
      partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
      // DynamoDB deletes expired items hours to days late; reads filter on expires_at anyway.
      timeToLiveAttribute: TABLE_KEYS.ttl,
      billing: billing(props.billing ?? { mode: "on-demand" }),
      // A new table takes 4,000 writes/s at first; 100,000 nodes at 10 s send 10,000.
      warmThroughput: { ...WARM_THROUGHPUT },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb) rather than the default AWS owned one: key use shows
      // in CloudTrail, at no monthly cost and with no key policy to maintain.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...(props.stream ? { dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES } : {}),
    });
  }

  /** Exactly ITEM_ACTIONS on this table (no index: the table has none). */
  grantItemAccess(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...ITEM_ACTIONS], resources: [this.table.tableArn] }),
    );
  }
}

function billing(choice: TableBilling): dynamodb.Billing {
  if (choice.mode === "on-demand") return dynamodb.Billing.onDemand();
  const d = PROVISIONED_DEFAULTS;
  const target = choice.targetUtilizationPercent ?? d.targetUtilizationPercent;
  return dynamodb.Billing.provisioned({
    readCapacity: dynamodb.Capacity.autoscaled({
      minCapacity: choice.minReadCapacity ?? d.minReadCapacity,
      maxCapacity: choice.maxReadCapacity ?? d.maxReadCapacity,
      targetUtilizationPercent: target,
    }),
    writeCapacity: dynamodb.Capacity.autoscaled({
      minCapacity: choice.minWriteCapacity ?? d.minWriteCapacity,
      maxCapacity: choice.maxWriteCapacity ?? d.maxWriteCapacity,
      targetUtilizationPercent: target,
    }),
  });
}
