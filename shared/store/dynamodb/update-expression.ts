import type { Condition } from "../rules.js";

/**
 * `SET #a = :a, #b = :b …` for every attribute of `values`, with every name aliased: many
 * of ours (status, source, owner, ttl…) are DynamoDB reserved words.
 */
export function setExpression(values: Record<string, unknown>): {
  sets: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const exprValues: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    names[`#${k}`] = k;
    exprValues[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  return { sets, names, values: exprValues };
}

/**
 * A rule's condition (rules.ts) as a request's parameters, merged with the names and values
 * the request's own expression uses. A placeholder both use must stand for the same thing
 * (`:owner` in a SET and in its condition): anything else is a bug, thrown here, not sent.
 */
export function conditionParams(
  condition: Condition,
  own: { names?: Record<string, string>; values?: Record<string, unknown> } = {},
) {
  const names = merge({ ...own.names }, condition.names);
  const values = merge({ ...own.values }, condition.values);
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
    ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
  };
}

function merge<T>(into: Record<string, T>, from: Record<string, T>): Record<string, T> {
  for (const [key, value] of Object.entries(from)) {
    if (Object.hasOwn(into, key) && into[key] !== value) {
      throw new Error(`placeholder ${key} stands for two things in one request`);
    }
    into[key] = value;
  }
  return into;
}
