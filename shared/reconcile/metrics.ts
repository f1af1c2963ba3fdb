import type { ReconcileConfig } from "./config.js";
import { type PassReport, SOURCES } from "./pass.js";

/** The metric dimension values; the export's problems count as Cloud Map's. */
export type MetricSource = "ec2" | "cloudmap";

export interface PassMetric {
  name: "ReconcileDurationMs" | "SourceInstances" | "SourceErrors";
  unit: "Milliseconds" | "Count";
  value: number;
  /** The `Source` dimension; absent for the pass as a whole. */
  source?: MetricSource;
}

/**
 * What a pass reports to CloudWatch (the stack alarms on these names). A source that is held
 * by the safety rule counts as an error: somebody should look. Zeros are sent too, so an alarm
 * sees data rather than nothing while all is well. `report` undefined: the pass itself failed
 * (the registry could not be read), which is an error of every configured source.
 */
export function passMetrics(
  config: ReconcileConfig,
  report: PassReport | undefined,
  durationMs: number,
): PassMetric[] {
  const metrics: PassMetric[] = [
    { name: "ReconcileDurationMs", unit: "Milliseconds", value: durationMs },
  ];
  const state = (name: string) => report?.states.find((s) => s.name === name && s.enabled);
  const add = (source: MetricSource, names: string[]) => {
    const states = names.map(state);
    const failed = !report || states.some((s) => s?.ok === false);
    metrics.push({ name: "SourceErrors", unit: "Count", value: failed ? 1 : 0, source });
    const main = states[0];
    if (main)
      metrics.push({ name: "SourceInstances", unit: "Count", value: main.instances, source });
  };
  if (config.ec2.enabled) add("ec2", [SOURCES.ec2]);
  if (config.cloudMapNamespace) add("cloudmap", [SOURCES.cloudMap, SOURCES.cloudMapExport]);
  return metrics;
}
