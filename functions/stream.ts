import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { membershipChanges, type StreamRecord } from "../shared/events/membership.js";
import { publishChanges } from "../shared/events/publish.js";
import { readStreamSettings } from "../shared/settings/stream.js";

/**
 * The table's stream → one EventBridge event per service whose membership changed
 * (shared/events). MUSTER_EVENT_BUS names the bus (shared/settings/stream.ts); default the
 * account's default bus.
 */
const client = new EventBridgeClient({});
const { eventBus } = readStreamSettings(process.env);

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const changes = membershipChanges(event.Records as StreamRecord[], Math.floor(Date.now() / 1000));
  if (changes.length > 0) await publishChanges(client, eventBus, changes);
};
