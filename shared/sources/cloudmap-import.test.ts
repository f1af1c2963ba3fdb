import { describe, expect, it } from "vitest";
import { importCloudMap } from "./cloudmap-import.js";

describe("importCloudMap", () => {
  it("maps addresses, ports and custom attributes, and leaves out what muster exported", () => {
    const scan = importCloudMap(
      {
        namespace: { id: "ns-abc", name: "cluster.local", type: "HTTP" },
        services: [
          {
            id: "srv-1",
            name: "engram",
            instances: [
              {
                id: "a",
                attributes: {
                  AWS_INSTANCE_IPV4: "10.0.0.1",
                  AWS_INSTANCE_PORT: "7946",
                  AWS_EC2_INSTANCE_ID: "i-0123456789abcdef0",
                  zone: "eu-west-1a",
                },
              },
              { id: "b", attributes: { AWS_INSTANCE_IPV6: "fd00::2" } },
              {
                id: "c",
                attributes: { AWS_INSTANCE_IPV4: "10.0.0.3", MUSTER_EXPORTED: "heartbeat" },
              },
              {
                id: "bad/id",
                attributes: { AWS_INSTANCE_IPV4: "10.0.0.4", AWS_INSTANCE_PORT: "1" },
              },
              { id: "noaddr", attributes: { AWS_INSTANCE_PORT: "1" } },
            ],
          },
          { id: "srv-2", name: "_engram._tcp", instances: [{ id: "x", attributes: {} }] },
        ],
      },
      new Map([["engram", 7000]]),
    );
    expect(scan.instances.map((i) => [i.id, i.fields.address])).toEqual([
      ["a", "10.0.0.1:7946"],
      ["b", "[fd00::2]:7000"],
    ]);
    expect(scan.instances[0]?.fields.metadata).toEqual({
      cloudmap_service_id: "srv-1",
      ec2_instance_id: "i-0123456789abcdef0",
      zone: "eu-west-1a",
    });
    expect(scan.skipped).toHaveLength(3);
  });
});
