/**
 * Self-preservation, after Eureka's: a source that suddenly answers with far fewer instances
 * than before is more likely broken (a partial page, a permission pulled halfway, an outage
 * of the API) than right, so removals are held back and the drop is reported. Additions still
 * go through: they cannot take anything away.
 *
 * Two refinements keep the rule from getting in the way:
 * - Losing a single instance is never a "sudden drop": one node stopping is the everyday case,
 *   and a registry must show it on the next pass, whatever the size of the fleet.
 * - A drop that every pass confirms is believed after HOLD_PASSES passes, so that a real
 *   scale-in is not held forever. A source that fails (an error, not a short answer) is never
 *   believed: its instances are kept for as long as it fails.
 */
export const HOLD_PASSES = 2;

export interface DropInput {
  /** What the source answered this pass. */
  found: number;
  /** What the last accepted answer had. */
  accepted: number;
  /** How many passes in a row a drop has already been held. */
  heldPasses: number;
  /** Below `ratio × accepted` is a sharp drop; 0 turns the rule off. */
  ratio: number;
}

export interface Verdict {
  /** Whether removals may go ahead. */
  accept: boolean;
  /** The count to carry to the next pass. */
  heldPasses: number;
  /** Why removals were held, for the health endpoint; null when they were not. */
  reason: string | null;
}

export function judgeDrop({ found, accepted, heldPasses, ratio }: DropInput): Verdict {
  const sharp = ratio > 0 && found < accepted * ratio && accepted - found >= 2;
  if (!sharp || heldPasses >= HOLD_PASSES) return { accept: true, heldPasses: 0, reason: null };
  const held = heldPasses + 1;
  return {
    accept: false,
    heldPasses: held,
    reason:
      `safety: found ${found} instance(s) where the last accepted pass had ${accepted} ` +
      `(fewer than ${ratio} of them); keeping what it had ` +
      `(held ${held} of ${HOLD_PASSES} passes before the drop is believed)`,
  };
}
