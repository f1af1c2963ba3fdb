/**
 * What a pass did with one source, as far as its state item (`/v1/discovery/health`) and the
 * safety rule's memory go. Importing and exporting sources add their own counts.
 */
export interface SyncOutcome {
  ok: boolean;
  error: string | null;
  /** What the source reported; null when it could not be asked. */
  found: number | null;
  /** Instances the source accounts for after the pass: in the registry, or in Cloud Map. */
  instances: number;
  accepted: number;
  heldPasses: number;
  /** One line per entry left out (a bad tag, no address...), for the logs. */
  skipped: string[];
}

export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; Code?: string };
  const name = e.Code ?? e.name ?? "Error";
  const text = e.message ?? String(err);
  return text.startsWith(name) ? text : `${name}: ${text}`;
}
