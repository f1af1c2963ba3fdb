import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { statusAt } from "../checks.js";
import { isLive } from "../item.js";
import { heartbeatAllowed, heartbeatRefusal, leaseValues, stillAsWritten } from "../rules.js";
import type { HeartbeatInput, HeartbeatResult } from "../store.js";
import { isConditionFailure } from "./errors.js";
import type { InstanceItem } from "./item.js";
import { instanceKey } from "./keys.js";
import type { QueryContext } from "./queries.js";
import { invalidateCounts } from "./services.js";
import { conditionParams, setExpression } from "./update-expression.js";

/**
 * Register or renew with one conditional UpdateItem and no read. The condition is the
 * heartbeatAllowed rule (rules.ts): the id is free (absent or expired), or the caller owns it
 * and the content changed or the floor interval has passed. A refusal is classified from
 * the item DynamoDB returns with the failure (or, on engines that do not return it, one read).
 */
export async function heartbeat(q: QueryContext, input: HeartbeatInput): Promise<HeartbeatResult> {
  const { service, id, ttl, owner, nowMs } = input;
  const values = leaseValues(input);
  const { sets, names, values: exprValues } = setExpression(values);
  const expiresAt = values.expires_at;
  names["#registered_at"] = "registered_at";
  sets.push("#registered_at = if_not_exists(#registered_at, :last_seen)");
  // A heartbeat over an instance registered with checks makes it a heartbeat's again.
  names["#checks"] = "checks";
  names["#status_until"] = "status_until";
  const rule = heartbeatAllowed.condition({
    owner,
    content_hash: values.content_hash,
    ttl,
    nowMs,
  });

  const key = instanceKey(service, id);
  let old: InstanceItem | undefined;
  try {
    const out = await q.call("heartbeat", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: key,
          UpdateExpression: `SET ${sets.join(", ")} REMOVE #checks, #status_until`,
          ...conditionParams(rule, { names, values: exprValues }),
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    old = out.Attributes as InstanceItem | undefined;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const current = await refusedItem(q, err, key);
    return heartbeatRefusal(current, owner, ttl, nowMs);
  }

  if (old && isLive(old, nowMs)) {
    // A renewal changes the counts (and what readers must be told) only with the status.
    if (statusAt(old, nowMs) !== input.fields.status) await invalidateCounts(q, service);
    return { kind: "renewed", expiresAt };
  }
  if (old) {
    // The id was held before but had lapsed; if_not_exists kept the old registration time.
    await q
      .call("heartbeat.reregister", () =>
        q.doc.send(
          new UpdateCommand({
            ...q.capacity,
            TableName: q.table,
            Key: key,
            UpdateExpression: "SET #registered_at = :registered_at",
            // Only onto the item this heartbeat wrote.
            ...conditionParams(stillAsWritten.condition({ owner, lastSeenMs: nowMs }), {
              names: { "#registered_at": "registered_at" },
              values: { ":registered_at": nowMs },
            }),
          }),
        ),
      )
      .catch((err) => {
        // A newer heartbeat already replaced the item; its registration time is the one to keep.
        if (!isConditionFailure(err)) throw err;
      });
  }
  await invalidateCounts(q, service);
  return { kind: "created", expiresAt };
}

/** The item that refused a heartbeat: returned with the failure, or (engines that do not) read. */
async function refusedItem(
  q: QueryContext,
  err: unknown,
  key: { pk: string; sk: string },
): Promise<InstanceItem | undefined> {
  const returned = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  if (returned) return unmarshall(returned) as InstanceItem;
  const out = await q.call("heartbeat.refused", () =>
    q.doc.send(
      new GetCommand({ ...q.capacity, TableName: q.table, Key: key, ConsistentRead: true }),
    ),
  );
  return out.Item as InstanceItem | undefined;
}
