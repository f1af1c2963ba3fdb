import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, MEMBERSHIP_CHANGED, type MembershipChange } from "./membership.js";

/** PutEvents takes at most ten entries a call. */
const BATCH = 10;

/**
 * Puts one event per change on `busName`. Throws when any entry failed, so that Lambda
 * retries the stream batch: delivery is at least once, and a consumer may see an event twice.
 */
export async function publishChanges(
  client: EventBridgeClient,
  busName: string,
  changes: readonly MembershipChange[],
): Promise<number> {
  const entries: PutEventsRequestEntry[] = changes.map((detail) => ({
    Source: EVENT_SOURCE,
    DetailType: MEMBERSHIP_CHANGED,
    Detail: JSON.stringify(detail),
    EventBusName: busName,
    Resources: [],
  }));
  for (let i = 0; i < entries.length; i += BATCH) {
    const out = await client.send(new PutEventsCommand({ Entries: entries.slice(i, i + BATCH) }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const first = out.Entries?.find((e) => e.ErrorCode);
      throw new Error(
        `EventBridge refused ${out.FailedEntryCount} event(s): ${first?.ErrorCode} ${first?.ErrorMessage ?? ""}`,
      );
    }
  }
  return entries.length;
}
