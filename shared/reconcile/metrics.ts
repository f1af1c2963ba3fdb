import type { ReconcilerSettings } from "../settings/reconciler.js";
import { type PassReport, SOURCES } from "./pass-record.js";

/** The metric dimension values; the export's problems count as Cloud Map's. */
export type MetricSource = "ec2" | "cloudmap" | "kubernetes";

export interface PassMetric {
  name: "ReconcileDurationMs" | "SourceInstances" | "SourceErrors" | "SourceMissing";
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
  config: ReconcilerSettings,
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
    const missing = missingInstances(source, states);
    if (missing !== undefined)
      metrics.push({ name: "SourceMissing", unit: "Count", value: missing ? 1 : 0, source });
  };
  if (config.ec2.enabled) add("ec2", [SOURCES.ec2]);
  if (config.cloudMapNamespace) add("cloudmap", [SOURCES.cloudMap, SOURCES.cloudMapExport]);
  if (config.kubernetes) add("kubernetes", [SOURCES.kubernetes]);
  return metrics;
}

type SourceState = PassReport["states"][number] | undefined;

/**
 * Whether a source that should see instances saw none (the stack alarms on it); undefined
 * when the pass did not tell. EC2 discovery is configured to find instances: none is wrong.
 * Cloud Map is both directions at once: the import skips the instances muster exported, so
 * a namespace muster fills shows 0 imports while all is well. It should see something when
 * the registry has instances to export, or the namespace held foreign instances before; it
 * sees what it imported plus what the export holds there.
 */
export function missingInstances(
  source: MetricSource,
  [main, exported]: SourceState[],
): boolean | undefined {
  if (!main || main.found === null) return undefined;
  // EC2 and Kubernetes are configured to find instances (a tag, namespaces and a selector).
  if (source === "ec2" || source === "kubernetes") return main.found === 0;
  if (!exported || exported.found === null) return undefined;
  const expected = exported.found > 0 || main.accepted > 0;
  const seen = main.found + exported.instances;
  return expected && seen === 0;
}
