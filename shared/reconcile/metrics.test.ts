import { describe, expect, it } from "vitest";
import { readReconcilerSettings } from "../settings/reconciler.js";
import { passMetrics } from "./metrics.js";

describe("passMetrics", () => {
  const config = readReconcilerSettings({
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
    const metrics = passMetrics(config, report, 10).filter((m) => m.name !== "SourceMissing");
    expect(metrics.slice(1)).toEqual([
      { name: "SourceErrors", unit: "Count", value: 0, source: "ec2" },
      { name: "SourceInstances", unit: "Count", value: 3, source: "ec2" },
      { name: "SourceErrors", unit: "Count", value: 1, source: "cloudmap" },
      { name: "SourceInstances", unit: "Count", value: 2, source: "cloudmap" },
    ]);
  });

  describe("SourceMissing", () => {
    const state = (name: string, found: number | null, instances: number, accepted = 0) => ({
      name,
      enabled: true,
      last_run: 0,
      next_run: 60_000,
      ok: true,
      error: null,
      found,
      instances,
      accepted,
      held_passes: 0,
    });
    const missing = (states: ReturnType<typeof state>[]) =>
      passMetrics(config, { startedAt: 0, durationMs: 1, terminated: 0, states }, 1)
        .filter((m) => m.name === "SourceMissing")
        .map((m) => [m.source, m.value]);

    it("is 0 for a namespace muster fills itself: no imports, its exports there", () => {
      expect(
        missing([state("ec2", 3, 3), state("cloudmap", 0, 0), state("cloudmap-export", 3, 3)]),
      ).toEqual([
        ["ec2", 0],
        ["cloudmap", 0],
      ]);
    });

    it("is 0 when Cloud Map has nothing to see: empty registry, empty namespace", () => {
      expect(
        missing([state("ec2", 1, 1), state("cloudmap", 0, 0), state("cloudmap-export", 0, 0)]),
      ).toEqual([
        ["ec2", 0],
        ["cloudmap", 0],
      ]);
    });

    it("is 1 when the registry has instances to export and Cloud Map holds none of anything", () => {
      expect(
        missing([state("ec2", 2, 2), state("cloudmap", 0, 0), state("cloudmap-export", 2, 0)]),
      ).toContainEqual(["cloudmap", 1]);
    });

    it("is 1 when a namespace that held foreign instances empties", () => {
      expect(
        missing([state("ec2", 1, 1), state("cloudmap", 0, 5, 5), state("cloudmap-export", 0, 0)]),
      ).toContainEqual(["cloudmap", 1]);
    });

    it("is 1 when EC2 discovery finds nothing, and absent when a source did not answer", () => {
      expect(
        missing([state("ec2", 0, 0), state("cloudmap", null, 0), state("cloudmap-export", 1, 1)]),
      ).toEqual([["ec2", 1]]);
    });
  });
});

describe("passMetrics of the Kubernetes source", () => {
  const config = readReconcilerSettings({ MUSTER_TABLE: "muster", MUSTER_K8S_DISCOVERY: "true" });
  const state = (ok: boolean, found: number | null, instances: number) => ({
    name: "kubernetes",
    enabled: true,
    last_run: 0,
    next_run: 60_000,
    ok,
    error: ok ? null : "Kubernetes RBAC forbids list on endpointslices.discovery.k8s.io",
    found,
    instances,
    accepted: instances,
    held_passes: 0,
  });
  const report = (s: ReturnType<typeof state>) => ({
    startedAt: 0,
    durationMs: 1,
    terminated: 0,
    states: [s],
  });

  it("reports its errors, instances and an empty answer under Source=kubernetes", () => {
    expect(passMetrics(config, report(state(true, 4, 4)), 1).slice(1)).toEqual([
      { name: "SourceErrors", unit: "Count", value: 0, source: "kubernetes" },
      { name: "SourceInstances", unit: "Count", value: 4, source: "kubernetes" },
      { name: "SourceMissing", unit: "Count", value: 0, source: "kubernetes" },
    ]);
    expect(passMetrics(config, report(state(true, 0, 0)), 1).slice(1)).toContainEqual({
      name: "SourceMissing",
      unit: "Count",
      value: 1,
      source: "kubernetes",
    });
    // Refused by RBAC: an error, its instances kept, and nothing said about missing ones.
    expect(passMetrics(config, report(state(false, null, 4)), 1).slice(1)).toEqual([
      { name: "SourceErrors", unit: "Count", value: 1, source: "kubernetes" },
      { name: "SourceInstances", unit: "Count", value: 4, source: "kubernetes" },
    ]);
  });
});
