import * as z from "../validation/zod.js";
import type { ReconcileState } from "./store.js";

const epochMs = z.int().check(z.nonnegative());
const count = z.int().check(z.nonnegative());

/**
 * A reconcile state item as read back. Parsed rather than cast: an item left by an older
 * version (or edited by hand) is dropped instead of breaking `/v1/discovery/health`.
 */
const stateItem = z.object({
  sk: z.string().check(z.minLength(1), z.maxLength(64)),
  enabled: z.boolean(),
  last_run: z.nullable(epochMs),
  next_run: z.nullable(epochMs),
  ok: z.nullable(z.boolean()),
  error: z.nullable(z.string().check(z.maxLength(2048))),
  found: z.nullable(count),
  instances: count,
  accepted: count,
  held_passes: count,
});

export function fromStateItem(item: Record<string, unknown>): ReconcileState | undefined {
  const parsed = stateItem.safeParse(item);
  if (!parsed.success) return undefined;
  const { sk, ...rest } = parsed.data;
  return { name: sk, ...rest };
}

/** Errors are cut to what the health endpoint shows; an SDK message can be long. */
export function toStateItem(state: ReconcileState): Omit<ReconcileState, "name"> {
  const { name: _name, ...rest } = state;
  return { ...rest, error: state.error === null ? null : state.error.slice(0, 2048) };
}
