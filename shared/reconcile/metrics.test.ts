import { describe, expect, it } from "vitest";
import { readReconcileConfig } from "./config.js";
import { passMetrics } from "./metrics.js";

describe("passMetrics", () => {
  const config = readReconcileConfig({
    MUSTER_TABLE: "muster",
    MUSTER_EC2_DISCOVERY: "true",
    MUSTER_CLOUDMAP_NAMESPACE: "cluster.local",
  });

  it("counts a pass that could not run as an error of every configured source", () => {
    expect(passMetrics(config, undefined, 42)).toEqual([
      { name: "ReconcileDurationMs", unit: "Milliseconds", value: 42 },
      { name: "SourceErrors", unit: "Count", value: 1, source: "ec2" },
      { name: "SourceErrors", unit: "Count", value: 1, source: "cloudmap" },
    ]);
  });

  it("reports a failed export as Cloud Map's error, and each source's instances", () => {
    const state = (name: string, ok: boolean, instances: number) => ({
      name,
      enabled: true,
      last_run: 0,
      next_run: 60_000,
      ok,
      error: ok ? null : "x",
      found: instances,
      instances,
      accepted: instances,
      held_passes: 0,
    });
    const report = {
      startedAt: 0,
      durationMs: 10,
      terminated: 0,
      states: [
        state("ec2", true, 3),
        state("cloudmap", true, 2),
        state("cloudmap-export", false, 1),
      ],
    };
    expect(passMetrics(config, report, 10).slice(1)).toEqual([
      { name: "SourceErrors", unit: "Count", value: 0, source: "ec2" },
      { name: "SourceInstances", unit: "Count", value: 3, source: "ec2" },
      { name: "SourceErrors", unit: "Count", value: 1, source: "cloudmap" },
      { name: "SourceInstances", unit: "Count", value: 2, source: "cloudmap" },
    ]);
  });
});
