import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { API_MEMORY_MB, PROVISIONED_DEFAULTS, WARM_THROUGHPUT } from "../../infra/defaults.js";
import { synthesize } from "./synth.js";

describe("the stack's cost and scale defaults (cdk synth)", () => {
  const onDemand = synthesize({}, false);
  const provisioned = synthesize({ tableBilling: { mode: "provisioned" } }, false);

  it("warms a new table for 10,000 heartbeats/s", () => {
    onDemand.template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      WarmThroughput: {
        WriteUnitsPerSecond: WARM_THROUGHPUT.writeUnitsPerSecond,
        ReadUnitsPerSecond: WARM_THROUGHPUT.readUnitsPerSecond,
      },
    });
    expect(WARM_THROUGHPUT.writeUnitsPerSecond).toBeGreaterThanOrEqual(10_000);
  });

  it("lets provisioned capacity scale to 10,000 writes/s at its target utilisation", () => {
    const { maxWriteCapacity, targetUtilizationPercent } = PROVISIONED_DEFAULTS;
    expect(maxWriteCapacity * (targetUtilizationPercent / 100)).toBeGreaterThanOrEqual(10_000);
    provisioned.template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      WriteProvisionedThroughputSettings: {
        WriteCapacityAutoScalingSettings: Match.objectLike({
          MaxCapacity: maxWriteCapacity,
          TargetTrackingScalingPolicyConfiguration: Match.objectLike({
            TargetValue: targetUtilizationPercent,
          }),
        }),
      },
    });
  });

  it("runs the API at the measured memory with JSON logs at WARN", () => {
    onDemand.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "muster HTTP API",
      MemorySize: API_MEMORY_MB,
      LoggingConfig: Match.objectLike({
        LogFormat: "JSON",
        SystemLogLevel: "WARN",
        ApplicationLogLevel: "WARN",
      }),
    });
    // The reconciler keeps its once-a-minute INFO summary; the platform lines go.
    onDemand.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("reconcil"),
      LoggingConfig: Match.objectLike({
        LogFormat: "JSON",
        SystemLogLevel: "WARN",
        ApplicationLogLevel: "INFO",
      }),
    });
  });
});
