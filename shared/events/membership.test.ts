import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { membershipChanges, type StreamRecord } from "./membership.js";

const item = (id: string, extra: Record<string, unknown> = {}) =>
  marshall({
    pk: "svc#stellar#3",
    sk: `i#${id}`,
    service: "stellar",
    id,
    status: "passing",
    address: "10.0.0.1:11625",
    direct_addresses: [],
    expires_at: 1000,
    ...extra,
  }) as Record<string, unknown>;

describe("membershipChanges", () => {
  it("counts TTL deletions as expired removals", () => {
    const ttl: StreamRecord = {
      eventName: "REMOVE",
      dynamodb: { OldImage: item("v1"), ApproximateCreationDateTime: 5000 },
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    };
    expect(membershipChanges([ttl], 5000)).toEqual([
      { service: "stellar", added: [], removed: ["v1"], expired: ["v1"], changed: [] },
    ]);
  });

  it("takes a write over a lapsed lease for a return, and skips other items", () => {
    const back: StreamRecord = {
      eventName: "MODIFY",
      dynamodb: {
        OldImage: item("v1", { expires_at: 900 }),
        NewImage: item("v1", { expires_at: 1030 }),
        ApproximateCreationDateTime: 1000,
      },
    };
    const token: StreamRecord = {
      eventName: "INSERT",
      dynamodb: { NewImage: marshall({ pk: "token", sk: "abc" }) as Record<string, unknown> },
    };
    expect(membershipChanges([back, token], 1000)).toEqual([
      { service: "stellar", added: ["v1"], removed: [], expired: [], changed: [] },
    ]);
  });

  it("nets an id added and removed within one batch to nothing", () => {
    const added: StreamRecord = { eventName: "INSERT", dynamodb: { NewImage: item("v1") } };
    const removed: StreamRecord = { eventName: "REMOVE", dynamodb: { OldImage: item("v1") } };
    expect(membershipChanges([added, removed], 10)).toEqual([]);
  });
});
