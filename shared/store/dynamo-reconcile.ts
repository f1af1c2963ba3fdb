import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type QueryContext, queryPartition } from "./dynamo-queries.js";
import { isConditionFailure } from "./errors.js";
import { instanceKey, RECONCILE_PK, reconcileKey } from "./keys.js";
import { fromStateItem, toStateItem } from "./reconcile-item.js";
import { leaseValues } from "./rules.js";
import {
  type ReconcileState,
  type RemoveExpectation,
  type SourcedInput,
  sourceOwner,
} from "./store.js";
import { setExpression } from "./update-expression.js";

/** The reconciler's side of DynamoStore: heartbeats never go through these. */
/**
 * One conditional UpdateItem, like a heartbeat, but with the source's owner and a lease of
 * the caller's choosing. The condition is the heartbeat's without the rate floor: the
 * reconciler writes at most once a pass.
 */
export async function upsertSourced(
  q: QueryContext,
  input: SourcedInput,
): Promise<"written" | "conflict"> {
  const { service, id, fields, source, leaseSeconds, registeredAtMs, nowMs } = input;
  const owner = sourceOwner(source);
  const lease = leaseValues({
    service,
    id,
    fields,
    source,
    owner,
    ttl: leaseSeconds,
    nowMs,
  });
  const {
    sets,
    names,
    values: exprValues,
  } = setExpression({
    ...lease,
    registered_at: registeredAtMs,
  });
  exprValues[":now_s"] = Math.floor(nowMs / 1000);
  try {
    await q.call("upsertSourced", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: instanceKey(service, id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression:
            "attribute_not_exists(pk) OR #expires_at <= :now_s OR #owner = :owner",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: exprValues,
        }),
      ),
    );
  } catch (err) {
    if (isConditionFailure(err)) return "conflict";
    throw err;
  }
  return "written";
}

export async function removeInstance(
  q: QueryContext,
  service: string,
  id: string,
  expect: RemoveExpectation,
): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions = ["attribute_exists(pk)"];
  if (expect.owner !== undefined) {
    names["#owner"] = "owner";
    values[":owner"] = expect.owner;
    conditions.push("#owner = :owner");
  }
  Object.entries(expect.metadata ?? {}).forEach(([key, value], i) => {
    names["#metadata"] = "metadata";
    names[`#m${i}`] = key;
    values[`:m${i}`] = value;
    conditions.push(`#metadata.#m${i} = :m${i}`);
  });
  try {
    await q.call("remove", () =>
      q.doc.send(
        new DeleteCommand({
          ...q.capacity,
          TableName: q.table,
          Key: instanceKey(service, id),
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

export async function reconcileStates(q: QueryContext): Promise<ReconcileState[]> {
  const states: ReconcileState[] = [];
  await queryPartition(q, "reconcileStates", RECONCILE_PK, (item) => {
    const state = fromStateItem(item);
    if (state) states.push(state);
  });
  return states;
}

export async function putReconcileState(q: QueryContext, state: ReconcileState): Promise<void> {
  await q.call("putReconcileState", () =>
    q.doc.send(
      new PutCommand({
        ...q.capacity,
        TableName: q.table,
        Item: { ...reconcileKey(state.name), ...toStateItem(state) },
      }),
    ),
  );
}
