/**
 * The deepest nesting a JSON body may have. No body of the API nests past 5 levels; a deeper
 * one (a 100,000-deep array parses fine, JSON.parse is iterative) would overflow the stack of
 * whatever walks it recursively later: JSON.stringify, a schema, a logger.
 */
export const MAX_JSON_DEPTH = 32;

/** How much of the path to a too-deep value is named: enough to find it, not 100,000 segments. */
const NAMED_SEGMENTS = 6;

interface Frame {
  value: unknown;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

/**
 * The path to the first value nested deeper than `max` (arrays and objects each count a level),
 * or undefined when there is none. Walked with a stack of its own, never recursively.
 */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const stack: Frame[] = [{ value, depth: 0, key: "", parent: undefined }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const v = frame.value;
    if (typeof v !== "object" || v === null) continue;
    if (frame.depth >= max) return pathOf(frame);
    const entries = Array.isArray(v) ? v.map((e, i) => [String(i), e] as const) : Object.entries(v);
    for (const [key, child] of entries) {
      if (typeof child === "object" && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
      }
    }
  }
  return undefined;
}

function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) keys.push(f.key);
  keys.reverse();
  const named = keys.slice(0, NAMED_SEGMENTS).join(".");
  return keys.length > NAMED_SEGMENTS ? `${named}.…` : named || "(body)";
}
