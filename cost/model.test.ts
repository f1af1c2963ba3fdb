import { describe, expect, it } from "vitest";
import { ASSUMPTIONS } from "./assumptions.js";
import type { Measured } from "./measured.js";
import {
  billedMs,
  consulMonthly,
  containers,
  estimate,
  fixedMonthly,
  type Inputs,
  provisionedUnits,
} from "./model.js";
import { HOURS_PER_MONTH, PRICES, SECONDS_PER_MONTH } from "./prices.js";
import { DEFAULT_SETTINGS, PREVIOUS_SETTINGS } from "./settings.js";

const measured: Measured = {
  measuredAt: "2026-12-01",
  machine: "test",
  engine: "dynamodb-local",
  writeUnitsPerRenewal: 1,
  writeUnitsPerCreation: 1,
  heartbeatMedianMs: 3,
  heartbeatCpuMs: 0.5,
  heartbeatRequestBytes: 600,
  heartbeatResponseBytes: 400,
  peersReadUnits: 100,
  peersInstances: 1000,
  peersBytesPerInstance: 320,
  peersGzipBytesPerInstance: 40,
  bundleMinifiedBytes: 1_000_000,
  bundleGzipBytes: 300_000,
  coldStartMs: 140,
};
const inputs: Inputs = {
  prices: PRICES,
  measured,
  assumptions: ASSUMPTIONS,
  settings: { ...DEFAULT_SETTINGS, memoryMb: 1769, dynamoLatencyMs: 5 },
};

describe("cost model", () => {
  it("bills a heartbeat DynamoDB's latency plus CPU stretched by the vCPU share, rounded up", () => {
    expect(billedMs(measured, { ...DEFAULT_SETTINGS, memoryMb: 1769, dynamoLatencyMs: 5 })).toBe(6);
    // An eighth of a vCPU: 0.5 ms of CPU takes 4 ms.
    expect(
      billedMs(measured, { ...DEFAULT_SETTINGS, memoryMb: 1769 / 8, dynamoLatencyMs: 5 }),
    ).toBe(9);
    // More than one vCPU does not make one thread faster.
    expect(billedMs(measured, { ...DEFAULT_SETTINGS, memoryMb: 3538, dynamoLatencyMs: 5 })).toBe(6);
  });

  it("prices on-demand heartbeats from requests, GB-seconds and write units", () => {
    const e = estimate(inputs, {
      nodes: 1000,
      intervalSeconds: 30,
      capacity: "on-demand",
      path: "direct",
    });
    const requests = (1000 / 30) * SECONDS_PER_MONTH; // 87.6 million
    expect(requests).toBeCloseTo(87_600_000, 0);
    expect(e.variable.lambdaRequests).toBeCloseTo(requests * 0.2e-6, 6); // $17.52
    expect(e.variable.lambdaDuration).toBeCloseTo(
      requests * (1769 / 1024) * 0.006 * 0.0000133334,
      6,
    );
    const storage = ((1000 * ASSUMPTIONS.itemBytes) / 1024 ** 3) * (0.25 + 0.2);
    expect(e.variable.dynamo).toBeCloseTo(requests * 0.625e-6 + storage, 6); // $54.75 + storage
    expect(e.variable.transfer).toBeCloseTo(((requests * 600) / 1024 ** 3) * 0.09, 6);
    expect(e.variable.cloudFront).toBe(0);
    expect(e.perNode).toBeCloseTo((e.variableTotal + e.fixed) / 1000, 9);
  });

  it("adds CloudFront's request fee and both directions of transfer, and drops Lambda's own", () => {
    const e = estimate(inputs, {
      nodes: 1000,
      intervalSeconds: 30,
      capacity: "on-demand",
      path: "cloudfront",
    });
    const requests = (1000 / 30) * SECONDS_PER_MONTH;
    const gb = (bytes: number) => (requests * bytes) / 1024 ** 3;
    expect(e.variable.transfer).toBe(0);
    // Up: the measured request plus the token and hash headers; down: the answer.
    expect(e.variable.cloudFront).toBeCloseTo(
      requests * 1e-6 + gb(600) * 0.085 + gb(600 + ASSUMPTIONS.cloudFrontAuthHeaderBytes) * 0.02,
      6,
    );
    expect(e.variable.waf).toBe(0);
  });

  it("adds the web ACL's request fee and its monthly fee on the WAF path only", () => {
    const scenario = { nodes: 1000, intervalSeconds: 30, capacity: "on-demand" } as const;
    const plain = estimate(inputs, { ...scenario, path: "cloudfront" });
    const waf = estimate(inputs, { ...scenario, path: "cloudfront-waf" });
    const requests = (1000 / 30) * SECONDS_PER_MONTH;
    expect(waf.variable.waf).toBeCloseTo(requests * 0.6e-6, 6);
    expect(waf.fixed - plain.fixed).toBeCloseTo(5 + 1, 9);
    expect(waf.variable.cloudFront).toBeCloseTo(plain.variable.cloudFront, 9);
    expect(estimate(inputs, { ...scenario, path: "direct" }).variable.waf).toBe(0);
  });

  it("provisions write units for the steady rate at the target utilisation, above the minimum", () => {
    expect(provisionedUnits(1000 / 30, 80, 5)).toBe(42); // 33.3 / 0.8 = 41.7
    expect(provisionedUnits(1, 80, 5)).toBe(5);
    const e = estimate(inputs, {
      nodes: 1000,
      intervalSeconds: 30,
      capacity: "provisioned",
      path: "direct",
    });
    const storage = ((1000 * ASSUMPTIONS.itemBytes) / 1024 ** 3) * (0.25 + 0.2);
    // The minimum's 5 WCU are in the fixed cost; the 37 above it are variable.
    expect(e.variable.dynamo).toBeCloseTo(37 * HOURS_PER_MONTH * 0.00065 + storage, 6);
    const minimum = HOURS_PER_MONTH * (5 * 0.00065 + 5 * 0.00013);
    expect(e.fixed).toBeCloseTo(fixedMonthly(inputs, containers(1000 / 30, 6)) + minimum, 9);
  });

  it("charges a platform log line and an EMF line per invocation only under the old settings", () => {
    const scenario = {
      nodes: 1000,
      intervalSeconds: 30,
      capacity: "on-demand",
      path: "direct",
    } as const;
    const now = estimate(inputs, scenario);
    const before = estimate(
      { ...inputs, settings: { ...PREVIOUS_SETTINGS, dynamoLatencyMs: 5 } },
      scenario,
    );
    const requests = (1000 / 30) * SECONDS_PER_MONTH;
    const perEvent = ASSUMPTIONS.platformLogBytesAtInfo + ASSUMPTIONS.emfLineBytes + 52;
    expect(before.variable.logs).toBeCloseTo(((requests * perEvent) / 1024 ** 3) * 0.5, 6);
    // One warm container flushing once a minute.
    const flushes = SECONDS_PER_MONTH / ASSUMPTIONS.metricFlushSeconds;
    expect(now.variable.logs).toBeCloseTo(
      ((flushes * (ASSUMPTIONS.emfLineBytes + 26)) / 1024 ** 3) * 0.5,
      9,
    );
  });

  it("prices Consul as three t4g.small with their volumes", () => {
    expect(consulMonthly(PRICES, ASSUMPTIONS)).toBeCloseTo(3 * (730 * 0.0168 + 20 * 0.08), 9);
  });

  it("counts warm containers as the steady load's concurrency", () => {
    expect(containers(10_000, 6)).toBe(60);
    expect(containers(1, 6)).toBe(1);
  });
});
