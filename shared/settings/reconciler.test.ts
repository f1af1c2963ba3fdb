import { describe, expect, it } from "vitest";
import { ConfigError } from "./read.js";
import { hasSource, readReconcilerSettings } from "./reconciler.js";

describe("readReconcilerSettings", () => {
  it("defaults to every source off, a minute between passes and a ratio of one half", () => {
    const config = readReconcilerSettings({}, { table: "muster" });
    expect(config).toEqual({
      tableName: "muster",
      intervalSeconds: 60,
      ec2: { enabled: false, filters: [], defaultPorts: new Map() },
      cloudMapNamespace: undefined,
      safetyRatio: 0.5,
    });
    expect(hasSource(config)).toBe(false);
  });

  it("reads every variable", () => {
    const config = readReconcilerSettings({
      MUSTER_TABLE: "muster-prod",
      MUSTER_RECONCILE_INTERVAL: "30",
      MUSTER_EC2_DISCOVERY: "TRUE",
      MUSTER_EC2_FILTERS: "EngramCluster=production, Team=a=b ,EngramCluster=staging",
      MUSTER_EC2_DEFAULT_PORTS: "engram=7946,stellar=11625",
      MUSTER_CLOUDMAP_NAMESPACE: "ns-abcdefgh12345678",
      MUSTER_SAFETY_RATIO: "0.25",
    });
    expect(config).toEqual({
      tableName: "muster-prod",
      intervalSeconds: 30,
      ec2: {
        enabled: true,
        filters: [
          { key: "EngramCluster", values: ["production", "staging"] },
          { key: "Team", values: ["a=b"] },
        ],
        defaultPorts: new Map([
          ["engram", 7946],
          ["stellar", 11625],
        ]),
      },
      cloudMapNamespace: "ns-abcdefgh12345678",
      safetyRatio: 0.25,
    });
    expect(hasSource(config)).toBe(true);
  });

  it("names every bad variable at once", () => {
    const read = () =>
      readReconcilerSettings({
        MUSTER_TABLE: "x",
        MUSTER_RECONCILE_INTERVAL: "0",
        MUSTER_EC2_DISCOVERY: "yes",
        MUSTER_EC2_FILTERS: "novalue",
        MUSTER_EC2_DEFAULT_PORTS: "Engram=7946,stellar=70000",
        MUSTER_CLOUDMAP_NAMESPACE: "has spaces",
        MUSTER_SAFETY_RATIO: "2",
      });
    expect(read).toThrow(ConfigError);
    const message = (() => {
      try {
        read();
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const name of [
      "MUSTER_TABLE",
      "MUSTER_RECONCILE_INTERVAL",
      "MUSTER_EC2_DISCOVERY",
      "MUSTER_EC2_FILTERS",
      "MUSTER_EC2_DEFAULT_PORTS",
      "MUSTER_CLOUDMAP_NAMESPACE",
      "MUSTER_SAFETY_RATIO",
    ]) {
      expect(message).toContain(name);
    }
  });
});

describe("the reconciler's blank variables", () => {
  it("are unset, like the API's: the defaults apply", () => {
    const config = readReconcilerSettings(
      {
        MUSTER_TABLE: " ",
        MUSTER_RECONCILE_INTERVAL: "",
        MUSTER_EC2_DISCOVERY: " ",
        MUSTER_EC2_FILTERS: " , ",
        MUSTER_CLOUDMAP_NAMESPACE: "",
        MUSTER_SAFETY_RATIO: "\t",
      },
      { table: "muster" },
    );
    expect(config).toEqual(readReconcilerSettings({}, { table: "muster" }));
  });
});
