import { describe, expect, it } from "vitest";
import type { Instance } from "../types.js";
import { allTags, filterInstances, NO_FILTER } from "./filter.js";
import { compareAddresses, sortInstances } from "./sort.js";
import { inst } from "./test-instance.js";

const A = inst("web-1", {
  address: "10.0.0.10:80",
  tags: ["eu", "ssd"],
  metadata: { rack: "R1" },
  registered_at: "2026-01-01T00:00:05Z",
});
const B = inst("web-2", {
  address: "10.0.0.9:80",
  tags: ["eu"],
  status: "critical",
  source: "ec2",
  expires_at: "2026-01-01T00:00:30Z",
});
const C = inst("node-7", {
  address: "node7.example:7001",
  cluster_node_id: 7,
  iroh_node_id: "6kpsY+abc=",
  status: "warning",
  last_seen: "2026-01-01T00:00:40Z",
});
const ALL = [A, B, C];
const ids = (list: Instance[]) => list.map((i) => i.id);

describe("filtering instances", () => {
  it("matches every word of the text, case-insensitively, anywhere in the record", () => {
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "rack=r1" }))).toEqual(["web-1"]);
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "EU web" }))).toEqual(["web-1", "web-2"]);
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "ec2" }))).toEqual(["web-2"]);
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "6kpsy" }))).toEqual(["node-7"]);
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "   " }))).toEqual(ids(ALL));
    expect(ids(filterInstances(ALL, { ...NO_FILTER, text: "nothing-like-it" }))).toEqual([]);
  });

  it("keeps instances with the tag and the status asked", () => {
    expect(ids(filterInstances(ALL, { ...NO_FILTER, tag: "ssd" }))).toEqual(["web-1"]);
    expect(ids(filterInstances(ALL, { ...NO_FILTER, status: "critical" }))).toEqual(["web-2"]);
    expect(ids(filterInstances(ALL, { text: "eu", tag: "eu", status: "passing" }))).toEqual([
      "web-1",
    ]);
    expect(allTags(ALL)).toEqual(["eu", "ssd"]);
  });
});

describe("sorting instances", () => {
  it("sorts by each column, both ways, ties in id order", () => {
    expect(ids(sortInstances(ALL, "id", "ascending"))).toEqual(["node-7", "web-1", "web-2"]);
    expect(ids(sortInstances(ALL, "id", "descending"))).toEqual(["web-2", "web-1", "node-7"]);
    expect(ids(sortInstances(ALL, "status", "ascending"))).toEqual(["web-2", "node-7", "web-1"]);
    expect(ids(sortInstances(ALL, "source", "ascending"))).toEqual(["web-2", "node-7", "web-1"]);
    expect(ids(sortInstances(ALL, "registered", "descending"))).toEqual([
      "web-1",
      "node-7",
      "web-2",
    ]);
    expect(ids(sortInstances(ALL, "last_seen", "descending"))).toEqual([
      "node-7",
      "web-1",
      "web-2",
    ]);
    expect(ids(sortInstances(ALL, "lease", "ascending"))).toEqual(["web-2", "node-7", "web-1"]);
    expect(ids(sortInstances(ALL, "address", "ascending"))).toEqual(["web-2", "web-1", "node-7"]);
    expect(ALL.map((i) => i.id)).toEqual(["web-1", "web-2", "node-7"]);
  });

  it("orders IPv4 addresses by number and then by port", () => {
    expect(compareAddresses("10.0.0.9:80", "10.0.0.10:80")).toBeLessThan(0);
    expect(compareAddresses("10.0.0.9:443", "10.0.0.9:80")).toBeGreaterThan(0);
    expect(compareAddresses("a.example:1", "b.example:1")).toBeLessThan(0);
    expect(compareAddresses("[2001:db8::1]:80", "[2001:db8::1]:80")).toBe(0);
  });
});
