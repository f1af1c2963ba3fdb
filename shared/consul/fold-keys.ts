/**
 * Consul decodes request bodies with Go's encoding/json, which matches an object's keys to a
 * struct's fields without regard to case (`name`, `Name` and `NAME` are one field), lets a later
 * duplicate overwrite an earlier one, reads `null` as "not given", and — since Consul asks it to
 * (lib.DecodeJSON's DisallowUnknownFields) — refuses any other key. Python clients send lowercase
 * keys; the Go client sends Go's field names. This renames an object's keys to the canonical
 * names of a field list, the same way.
 */

/**
 * Go's case folding of field names: ASCII letters regardless of case, plus the two non-ASCII
 * letters that fold to ASCII ones (U+212A KELVIN SIGN to k, U+017F LONG S to s).
 */
export function foldName(name: string): string {
  return name.replace(/[A-Z\u212a\u017f]/g, (c) =>
    c === "\u212a" ? "k" : c === "\u017f" ? "s" : c.toLowerCase(),
  );
}

export interface Folded {
  /** The object's values under their canonical names, `null`s left out, the last duplicate kept. */
  value: Record<string, unknown>;
  /** Keys that match no field, as sent. */
  unknown: string[];
}

/**
 * `fields`: canonical names; `aliases`: further spellings of some of them (Consul's snake_case
 * forms, `args` for `ScriptArgs`), matched the same way.
 */
export function foldKeys(
  input: Record<string, unknown>,
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Folded {
  const byFold = new Map<string, string>();
  for (const field of fields) byFold.set(foldName(field), field);
  for (const [alias, field] of Object.entries(aliases)) byFold.set(foldName(alias), field);
  const value: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, v] of Object.entries(input)) {
    const field = byFold.get(foldName(key));
    if (field === undefined) unknown.push(key);
    else if (v !== null) value[field] = v;
  }
  return { value, unknown };
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
