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
      kubernetes: undefined,
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
      kubernetes: undefined,
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
        MUSTER_K8S_DISCOVERY: "on",
        MUSTER_K8S_NAMESPACE: "shop,Not_A_Namespace",
        MUSTER_K8S_LABEL_SELECTOR: "app ~ web",
        MUSTER_EKS_CLUSTER: "-bad",
        MUSTER_EKS_ENDPOINT: "http://plain",
        MUSTER_EKS_CA_DATA: "bm90IGEgY2VydA==",
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
      "MUSTER_K8S_DISCOVERY",
      "MUSTER_K8S_NAMESPACE",
      "MUSTER_K8S_LABEL_SELECTOR",
      "MUSTER_EKS_CLUSTER",
      "MUSTER_EKS_ENDPOINT",
      "MUSTER_EKS_CA_DATA",
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

const CA_DATA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
).toString("base64");

describe("the Kubernetes source's variables", () => {
  it("turn the source on with MUSTER_K8S_DISCOVERY, every namespace and no selector by default", () => {
    const config = readReconcilerSettings({ MUSTER_K8S_DISCOVERY: "true" }, { table: "muster" });
    expect(config.kubernetes).toEqual({ namespaces: [], labelSelector: undefined, eks: undefined });
    expect(hasSource(config)).toBe(true);
  });

  it("read namespaces (each once), a selector, and an EKS cluster", () => {
    const config = readReconcilerSettings(
      {
        MUSTER_K8S_DISCOVERY: "1",
        MUSTER_K8S_NAMESPACE: "shop, other ,shop",
        MUSTER_K8S_LABEL_SELECTOR: "app.kubernetes.io/part-of=shop,tier in (front, back)",
        MUSTER_EKS_CLUSTER: "prod-eu",
        MUSTER_EKS_ENDPOINT: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com/",
        MUSTER_EKS_CA_DATA: CA_DATA,
      },
      { table: "muster" },
    );
    expect(config.kubernetes).toEqual({
      namespaces: ["shop", "other"],
      labelSelector: "app.kubernetes.io/part-of=shop,tier in (front, back)",
      eks: {
        cluster: "prod-eu",
        endpoint: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
        caData: CA_DATA,
      },
    });
  });

  it("refuse a namespace or selector without the source, and an EKS cluster given in part", () => {
    expect(() =>
      readReconcilerSettings(
        { MUSTER_K8S_NAMESPACE: "shop", MUSTER_K8S_LABEL_SELECTOR: "app=web" },
        { table: "muster" },
      ),
    ).toThrow(
      "invalid configuration: MUSTER_K8S_NAMESPACE: set MUSTER_K8S_DISCOVERY=true to turn the Kubernetes source on; " +
        "MUSTER_K8S_LABEL_SELECTOR: set MUSTER_K8S_DISCOVERY=true to turn the Kubernetes source on",
    );
    expect(() =>
      readReconcilerSettings(
        { MUSTER_K8S_DISCOVERY: "true", MUSTER_EKS_CLUSTER: "prod" },
        { table: "muster" },
      ),
    ).toThrow(
      "invalid configuration: MUSTER_EKS_ENDPOINT: set it too, or none of MUSTER_EKS_CLUSTER, MUSTER_EKS_ENDPOINT, MUSTER_EKS_CA_DATA; " +
        "MUSTER_EKS_CA_DATA: set it too, or none of MUSTER_EKS_CLUSTER, MUSTER_EKS_ENDPOINT, MUSTER_EKS_CA_DATA",
    );
  });

  it("say what is wrong with a selector", () => {
    expect(() =>
      readReconcilerSettings(
        { MUSTER_K8S_DISCOVERY: "true", MUSTER_K8S_LABEL_SELECTOR: "app=web," },
        { table: "muster" },
      ),
    ).toThrow(
      "invalid configuration: MUSTER_K8S_LABEL_SELECTOR: not a label selector: ends with a comma",
    );
  });
});
