import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { fromStateItem, toStateItem } from "../reconcile-item.js";
import { leaseValues, ownerMayReplace, removalExpected } from "../rules.js";
import {
  type ReconcileState,
  type RemoveExpectation,
  type SourcedInput,
  sourceOwner,
} from "../store.js";
import { isConditionFailure } from "./errors.js";
import { instanceKey, RECONCILE_PK, reconcileKey } from "./keys.js";
import { type QueryContext, queryPartition } from "./queries.js";
import { conditionParams, setExpression } from "./update-expression.js";

/** The reconciler's side of DynamoStore: heartbeats never go through these. */
/**
 * One conditional UpdateItem, like a heartbeat, but with the source's owner and a lease of
 * the caller's choosing. The condition is ownerMayReplace (rules.ts), the heartbeat's
 * without the rate floor: the reconciler writes at most once a pass.
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
  const { sets, names, values } = setExpression({ ...lease, registered_at: registeredAtMs });
  try {
    await q.call("upsertSourced", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: instanceKey(service, id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ...conditionParams(ownerMayReplace.condition({ owner, nowMs }), { names, values }),
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
  try {
    await q.call("remove", () =>
      q.doc.send(
        new DeleteCommand({
          ...q.capacity,
          TableName: q.table,
          Key: instanceKey(service, id),
          ...conditionParams(removalExpected.condition(expect)),
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
