import { PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { mapLimit } from "../../shared/map-limit.js";
import { documentClient } from "../../shared/store/dynamodb/client.js";
import {
  floorCutoffMs,
  type Holder,
  heartbeatAllowed,
  live,
  ownerMayReplace,
  type Rule,
  removalExpected,
  stillAsWritten,
  vacant,
} from "../../shared/store/rules.js";
import type { RemoveExpectation } from "../../shared/store/store.js";
import { engine } from "../engines/index.js";
import { freshTable } from "../support/table.js";

/**
 * Each store rule is written once as a pair (shared/store/rules.ts): the predicate SQLite
 * decides with, and the condition DynamoDB evaluates. Here both judge the same table of cases
 * (every combination of the values at each rule's edges), the condition by DynamoDB Local
 * itself, and must agree on every one.
 */

// Half a second past a whole second: the rules compare epoch seconds with a rounded-down now.
const NOW = 1_800_000_000_500;
const NOW_S = Math.floor(NOW / 1000);
const TTL = 30;
const CUTOFF = floorCutoffMs(TTL, NOW);
const OWNERS = ["tok_aaaaaaaaaaaaaaaa", "source:ec2"];
const HASHES = ["hash-one", "hash-two"];
const EXPIRIES = [NOW_S - 1, NOW_S, NOW_S + 1];

/** Every combination of the given choices of each holder field (absent too). */
function holders(choices: {
  owner?: string[];
  content_hash?: string[];
  last_seen?: number[];
  expires_at?: number[];
  metadata?: Record<string, string>[];
}): (Holder | undefined)[] {
  let out: Holder[] = [
    { owner: OWNERS[0] as string, content_hash: "hash-one", last_seen: NOW, expires_at: NOW_S + 1 },
  ];
  for (const [field, values] of Object.entries(choices)) {
    out = out.flatMap((h) => (values as unknown[]).map((v) => ({ ...h, [field]: v })));
  }
  return [undefined, ...out];
}

interface Case<I> {
  rule: string;
  current: Holder | undefined;
  input: I;
}

function cases<I>(rule: string, currents: (Holder | undefined)[], inputs: I[]): Case<I>[] {
  return currents.flatMap((current) => inputs.map((input) => ({ rule, current, input })));
}

const RULES: { name: string; rule: Rule<never>; cases: Case<unknown>[] }[] = [];
function table<I>(name: string, rule: Rule<I>, currents: (Holder | undefined)[], inputs: I[]) {
  RULES.push({ name, rule: rule as Rule<never>, cases: cases(name, currents, inputs) });
}

table("live", live, holders({ expires_at: EXPIRIES }), [{ nowMs: NOW }]);
table("vacant", vacant, holders({ expires_at: EXPIRIES }), [{ nowMs: NOW }]);
table(
  "heartbeatAllowed",
  heartbeatAllowed,
  holders({
    owner: OWNERS,
    content_hash: HASHES,
    last_seen: [CUTOFF - 1, CUTOFF, CUTOFF + 1],
    expires_at: EXPIRIES,
  }),
  OWNERS.flatMap((owner) =>
    HASHES.map((content_hash) => ({ owner, content_hash, ttl: TTL, nowMs: NOW })),
  ),
);
table(
  "ownerMayReplace",
  ownerMayReplace,
  holders({ owner: OWNERS, expires_at: EXPIRIES }),
  OWNERS.map((owner) => ({ owner, nowMs: NOW })),
);
table(
  "stillAsWritten",
  stillAsWritten,
  holders({ owner: OWNERS, last_seen: [NOW - 1, NOW], expires_at: [NOW_S - 1, NOW_S + 1] }),
  OWNERS.flatMap((owner) => [NOW - 1, NOW].map((lastSeenMs) => ({ owner, lastSeenMs }))),
);
table<RemoveExpectation>(
  "removalExpected",
  removalExpected,
  holders({
    owner: OWNERS,
    expires_at: [NOW_S - 1, NOW_S + 1],
    metadata: [
      {},
      { ec2_instance_id: "i-1" },
      { ec2_instance_id: "i-2" },
      { ec2_instance_id: "i-1", zone: "a" },
      // A key that is special to JavaScript objects is data here. (Not `__proto__`: the
      // DynamoDB marshaller drops that key from a map, so no item can carry it.)
      { constructor: "x", ec2_instance_id: "i-1" },
    ],
  }),
  [
    {},
    { owner: OWNERS[0] },
    { owner: OWNERS[1] },
    { metadata: { ec2_instance_id: "i-1" } },
    { owner: OWNERS[0], metadata: { ec2_instance_id: "i-1" } },
    { metadata: { ec2_instance_id: "i-1", zone: "a" } },
    { metadata: { zone: "a" } },
    { metadata: { constructor: "x" } },
  ],
);

describe("each store rule's predicate and DynamoDB condition agree", () => {
  it.each(RULES)("$name, on every case of its table", async ({ name, rule, cases }) => {
    const { client, tableName } = await freshTable(engine("dynamodb-local"));
    const doc = documentClient(client);
    try {
      // One item per distinct holder, written once; an absent holder is a key never written.
      const keys = new Map<Holder | undefined, { pk: string; sk: string }>();
      let n = 0;
      for (const c of cases) {
        if (!keys.has(c.current)) keys.set(c.current, { pk: name, sk: `holder-${n++}` });
      }
      await mapLimit([...keys], 8, undefined, async ([holder, key]) => {
        if (holder)
          await doc.send(new PutCommand({ TableName: tableName, Item: { ...key, ...holder } }));
      });

      const verdicts = await mapLimit(cases, 8, undefined, async (c) => {
        const key = keys.get(c.current) as { pk: string; sk: string };
        const condition = rule.condition(c.input as never);
        const byDynamo = await doc
          .send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  ConditionCheck: {
                    TableName: tableName,
                    Key: key,
                    ConditionExpression: condition.expression,
                    ExpressionAttributeNames: nonEmpty(condition.names),
                    ExpressionAttributeValues: nonEmpty(condition.values),
                  },
                },
              ],
            }),
          )
          .then(
            () => true,
            (err: { name?: string; CancellationReasons?: { Code?: string }[] }) => {
              if (err.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return false;
              throw err;
            },
          );
        return { ...c, byDynamo, byPredicate: rule.allows(c.current, c.input as never) };
      });
      const results = verdicts as NonNullable<(typeof verdicts)[number]>[];
      // Both outcomes occur, so the table tests the rule rather than one constant answer.
      expect(new Set(results.map((r) => r.byPredicate))).toEqual(new Set([true, false]));
      const disagreements = results.filter((r) => r.byDynamo !== r.byPredicate);
      expect(disagreements, `${results.length} cases`).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});

/** DynamoDB refuses an empty names or values map. */
function nonEmpty<T>(map: Record<string, T>): Record<string, T> | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}
