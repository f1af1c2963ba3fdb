import { describe, expect, it } from "vitest";
import { readDnsSettings } from "./dns.js";

describe("readDnsSettings", () => {
  it("reads MUSTER_DNS_ZONE in lower case without the trailing dot, refusing a bad one by name", () => {
    expect(readDnsSettings({})).toEqual({ zone: "muster.internal" });
    expect(readDnsSettings({ MUSTER_DNS_ZONE: " " })).toEqual({ zone: "muster.internal" });
    expect(readDnsSettings({ MUSTER_DNS_ZONE: "Svc.Example.Internal." })).toEqual({
      zone: "svc.example.internal",
    });
    expect(() => readDnsSettings({ MUSTER_DNS_ZONE: "bad_zone" })).toThrow(
      "invalid configuration: MUSTER_DNS_ZONE: must be a DNS name such as muster.internal",
    );
  });

  it("reads MUSTER_DNS_IROH_SERVICE as a service name, blank as unset, refusing a bad one by name", () => {
    expect(readDnsSettings({ MUSTER_DNS_IROH_SERVICE: " " })).toEqual({ zone: "muster.internal" });
    expect(readDnsSettings({ MUSTER_DNS_IROH_SERVICE: "blixard" })).toEqual({
      zone: "muster.internal",
      irohService: "blixard",
    });
    expect(() => readDnsSettings({ MUSTER_DNS_IROH_SERVICE: "_bad." })).toThrow(
      "invalid configuration: MUSTER_DNS_IROH_SERVICE: must be a service name such as blixard",
    );
  });
});
