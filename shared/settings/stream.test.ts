import { describe, expect, it } from "vitest";
import { readStreamSettings } from "./stream.js";

describe("readStreamSettings", () => {
  it("sends to the default bus unless MUSTER_EVENT_BUS names another, by name or ARN", () => {
    expect(readStreamSettings({})).toEqual({ eventBus: "default" });
    expect(readStreamSettings({ MUSTER_EVENT_BUS: "" })).toEqual({ eventBus: "default" });
    expect(readStreamSettings({ MUSTER_EVENT_BUS: " ops " })).toEqual({ eventBus: "ops" });
    expect(
      readStreamSettings({ MUSTER_EVENT_BUS: "aws.partner/example.com/123/feed" }).eventBus,
    ).toBe("aws.partner/example.com/123/feed");
    const arn = "arn:aws:events:eu-west-1:123456789012:event-bus/ops";
    expect(readStreamSettings({ MUSTER_EVENT_BUS: arn })).toEqual({ eventBus: arn });
  });

  it("refuses a bus PutEvents would refuse, naming the variable", () => {
    for (const bad of ["has spaces", "ops:1", "x".repeat(257)]) {
      expect(() => readStreamSettings({ MUSTER_EVENT_BUS: bad }), bad).toThrow(
        "invalid configuration: MUSTER_EVENT_BUS: must be an EventBridge event bus name or ARN",
      );
    }
  });
});
