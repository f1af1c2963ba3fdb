import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import { StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { Env } from "../../shared/settings/names.js";
import { readStreamSettings } from "../../shared/settings/stream.js";
import { MusterFunction, plain } from "./muster-function.js";
import type { RegistryTable } from "./registry-table.js";

export interface MembershipEventsProps {
  /** The table, built with its stream on (RegistryTable's `stream`). */
  readonly table: RegistryTable;
  /** The bus the events go to. @default "default" (the account's default bus) */
  readonly eventBusName?: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * functions/stream.ts on the table's stream: one EventBridge event (`source: "muster"`,
 * detail-type "Service Membership Changed") per service whose members changed. Its role may
 * read this table's stream and put events on this one bus, nothing else.
 */
export class MembershipEvents extends Construct {
  readonly fn: MusterFunction;
  readonly bus: events.IEventBus;

  constructor(scope: Construct, id: string, props: MembershipEventsProps) {
    super(scope, id);
    const busName = props.eventBusName ?? "default";
    const environment = { [Env.MUSTER_EVENT_BUS]: busName };
    // The function's own parser (functions/stream.ts): a bus name PutEvents would refuse
    // fails synth, not every batch of the stream.
    readStreamSettings(plain(environment));
    this.bus = events.EventBus.fromEventBusName(this, "Bus", busName);
    this.fn = new MusterFunction(this, "Fn", {
      entry: "functions/stream.ts",
      description: "muster membership-change events (table stream to EventBridge)",
      serviceName: "muster-events",
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment,
      logRetention: props.logRetention,
    });
    this.bus.grantPutEventsTo(this.fn.role);
    this.fn.function.addEventSource(
      new DynamoEventSource(props.table.table, {
        // LATEST: a new stream starts from now; there is no history worth replaying as events.
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        // Up to a second of changes folds into one event per service.
        maxBatchingWindow: Duration.seconds(1),
        // A failing put is retried (events may repeat), halving the batch to isolate a bad
        // record, and given up after a day, the stream's own retention.
        retryAttempts: 50,
        bisectBatchOnError: true,
        maxRecordAge: Duration.hours(24),
      }),
    );
  }
}
