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
import type { InstanceItem } from "./item.js";
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
): Promise<{ result: "written" | "conflict"; old?: InstanceItem }> {
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
  names["#checks"] = "checks";
  names["#status_until"] = "status_until";
  try {
    const out = await q.call("upsertSourced", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: instanceKey(service, id),
          UpdateExpression: `SET ${sets.join(", ")} REMOVE #checks, #status_until`,
          ...conditionParams(ownerMayReplace.condition({ owner, nowMs }), { names, values }),
          // What it replaced: whether readers must be told (a creation, a status change).
          ReturnValues: "ALL_OLD",
        }),
      ),
    );
    return { result: "written", old: out.Attributes as InstanceItem | undefined };
  } catch (err) {
    if (isConditionFailure(err)) return { result: "conflict" };
    throw err;
  }
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
