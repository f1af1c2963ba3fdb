import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { changeIndexOf, pinnedOf, settledIndex } from "../change-index.js";
import { checkedValues, stillAsWritten, vacant } from "../rules.js";
import type { Alias, ChangeIndex, CheckedInput, ViewSummary, WatchClaim } from "../store.js";
import { isConditionFailure } from "./errors.js";
import { CATALOG_PK, catalogKey, instanceKey, serviceFromCatalogSk } from "./keys.js";
import { type QueryContext, queryPartition } from "./queries.js";
import { conditionParams } from "./update-expression.js";

/**
 * What the Consul API keeps beside the instances (shared/consul), on the one table: a service's
 * change index and the view its readers pinned, as attributes of its catalog item (where the
 * writes that raise it already go, invalidateCounts); an owner's alias of an instance, and a
 * watcher's claim, one small item each in a partition of its own (a fleet's check updates read
 * aliases all the time: no partition may hold them all), deleted by the table's TTL.
 */

type CatalogIndexItem = {
  sk?: string;
  change_index?: number;
  pinned?: Parameters<typeof changeIndexOf>[1];
};

const fromItem = (item: CatalogIndexItem | undefined): ChangeIndex =>
  changeIndexOf(item?.change_index, item?.pinned);

export async function readChangeIndex(q: QueryContext, service: string): Promise<ChangeIndex> {
  const out = await q.call("changeIndex", () =>
    q.doc.send(
      new GetCommand({
        ...q.capacity,
        TableName: q.table,
        Key: catalogKey(service),
        ProjectionExpression: "change_index, pinned",
        ConsistentRead: true,
      }),
    ),
  );
  return fromItem(out.Item as CatalogIndexItem | undefined);
}

export async function readChangeIndexes(q: QueryContext): Promise<Map<string, ChangeIndex>> {
  const indexes = new Map<string, ChangeIndex>();
  await queryPartition(
    q,
    "changeIndexes",
    CATALOG_PK,
    (item) => {
      const i = item as CatalogIndexItem;
      if (i.sk) indexes.set(serviceFromCatalogSk(i.sk), fromItem(i));
    },
    "sk, change_index, pinned",
  );
  return indexes;
}

export async function settleChangeIndex(
  q: QueryContext,
  service: string,
  seen: ChangeIndex,
  view: ViewSummary,
): Promise<ChangeIndex | undefined> {
  const next = settledIndex(seen, view);
  // What a reader read as `seen`: an index never written reads as 1, a pin never made as 0.
  const index =
    seen.index === 1
      ? "(attribute_not_exists(change_index) OR change_index = :seen_index)"
      : "change_index = :seen_index";
  const pin = seen.hashAt === 0 ? "attribute_not_exists(pinned)" : "pinned.hash_at = :seen_at";
  try {
    await q.call("settleIndex", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: catalogKey(service),
          UpdateExpression: "SET change_index = :index, pinned = :pinned",
          ConditionExpression: `${index} AND ${pin}`,
          ExpressionAttributeValues: {
            ":index": next.index,
            ":pinned": pinnedOf(next),
            ":seen_index": seen.index,
            ...(seen.hashAt === 0 ? {} : { ":seen_at": seen.hashAt }),
          },
        }),
      ),
    );
    return next;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

/** One conditional PutItem (the rule putChecked names): the whole item is replaced. */
export async function putChecked(q: QueryContext, input: CheckedInput): Promise<boolean> {
  const { service, id, owner, nowMs, expect } = input;
  const rule = expect
    ? stillAsWritten.condition({ owner, lastSeenMs: expect.lastSeenMs })
    : vacant.condition({ nowMs });
  try {
    await q.call("putChecked", () =>
      q.doc.send(
        new PutCommand({
          ...q.capacity,
          TableName: q.table,
          Item: { ...instanceKey(service, id), ...checkedValues(input) },
          ...conditionParams(rule),
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

const aliasKey = (owner: string, name: string) => ({ pk: `alias#${owner}#${name}`, sk: "alias" });

export async function putAlias(q: QueryContext, alias: Alias): Promise<void> {
  await q.call("putAlias", () =>
    q.doc.send(
      new PutCommand({
        ...q.capacity,
        TableName: q.table,
        Item: {
          ...aliasKey(alias.owner, alias.name),
          service: alias.service,
          id: alias.id,
          expires_at: alias.expiresAt,
        },
      }),
    ),
  );
}

export async function getAlias(
  q: QueryContext,
  owner: string,
  name: string,
  nowMs: number,
): Promise<Alias | undefined> {
  const out = await q.call("getAlias", () =>
    q.doc.send(
      new GetCommand({
        ...q.capacity,
        TableName: q.table,
        Key: aliasKey(owner, name),
        // Written by the owner a moment ago, maybe in another container.
        ConsistentRead: true,
      }),
    ),
  );
  const item = out.Item as { service: string; id: string; expires_at: number } | undefined;
  if (!item || item.expires_at <= Math.floor(nowMs / 1000)) return undefined;
  return { owner, name, service: item.service, id: item.id, expiresAt: item.expires_at };
}

export async function deleteAlias(q: QueryContext, owner: string, name: string): Promise<void> {
  await q.call("deleteAlias", () =>
    q.doc.send(
      new DeleteCommand({ ...q.capacity, TableName: q.table, Key: aliasKey(owner, name) }),
    ),
  );
}

/**
 * Granted unless the watcher holds a claim on the same index that has not ended. Refusals
 * outnumber grants (a client retrying every second), so the claim is read first, eventually
 * consistent (half a unit), and written — conditionally, so two containers do not both grant
 * it — only when it looks free; a conditional write that fails costs a whole unit.
 */
export async function claimWatch(
  q: QueryContext,
  claim: WatchClaim,
): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  const key = { pk: `watch#${claim.key}`, sk: "watch" };
  const seen = await q.call("claimWatch.read", () =>
    q.doc.send(new GetCommand({ ...q.capacity, TableName: q.table, Key: key })),
  );
  const held = seen.Item as { idx?: string; until?: number } | undefined;
  if (held?.idx === claim.index && (held.until ?? 0) > claim.nowMs) {
    return { ok: false, retryAfterMs: (held.until ?? 0) - claim.nowMs };
  }
  try {
    await q.call("claimWatch", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: key,
          UpdateExpression: "SET #idx = :idx, #until = :until, expires_at = :expires",
          ConditionExpression: "attribute_not_exists(pk) OR #idx <> :idx OR #until <= :now",
          ExpressionAttributeNames: { "#idx": "idx", "#until": "until" },
          ExpressionAttributeValues: {
            ":idx": claim.index,
            ":until": claim.untilMs,
            ":now": claim.nowMs,
            ":expires": Math.ceil(claim.untilMs / 1000) + 60,
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    return { ok: true };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const returned = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    const until = returned ? (unmarshall(returned) as { until?: number }).until : undefined;
    return { ok: false, retryAfterMs: Math.max(1, (until ?? claim.untilMs) - claim.nowMs) };
  }
}
