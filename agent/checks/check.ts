import type { Status } from "../../shared/model/instance.js";

export interface CheckResult {
  status: Status;
  /** A line for the log when the status changes; never sent to the registry. */
  output: string;
}

/**
 * A local health check. It must not throw: a failure of any kind is a result (critical). The
 * signal fires on the check's timeout and on shutdown.
 */
export type HealthCheck = (signal: AbortSignal) => Promise<CheckResult>;

/** Keeps log lines short whatever a check printed. */
export function clip(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function describeError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (err instanceof Error && err.name === "TimeoutError") return "timed out";
  if (err instanceof Error && err.name === "AbortError") return "timed out";
  return err instanceof Error ? err.message : String(err);
}
