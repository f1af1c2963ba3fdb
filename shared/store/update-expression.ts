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
