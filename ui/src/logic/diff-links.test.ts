import { describe, expect, it } from "vitest";
import type { FileFormat } from "../types.js";
import { describeChange, diffInstances, mergeChanges } from "./diff.js";
import { dnsNames, fileLinks, plainIdLabel } from "./links.js";
import { inst } from "./test-instance.js";

describe("changes seen between two readings", () => {
  it("finds joins, leaves (expired or not) and status changes, newest first", () => {
    const before = [inst("a"), inst("b"), inst("c", { expires_at: "2026-01-01T00:00:20Z" })];
    const after = [
      inst("a", { status: "critical" }),
      inst("d", { registered_at: "2026-01-01T00:00:25Z" }),
    ];
    const changes = diffInstances(before, after, "2026-01-01T00:00:30Z");
    expect(changes.map((c) => `${c.at} ${c.id} ${describeChange(c)}`)).toEqual([
      "2026-01-01T00:00:30Z a passing → critical",
      "2026-01-01T00:00:30Z b left",
      "2026-01-01T00:00:25Z d joined",
      "2026-01-01T00:00:20Z c left (expired)",
    ]);
    expect(diffInstances(before, before, "2026-01-01T00:00:30Z")).toEqual([]);
  });

  it("merges lists without repeating a change", () => {
    const one = diffInstances([], [inst("a")], "2026-01-01T00:00:10Z");
    const two = diffInstances([inst("a")], [], "2026-01-01T00:00:20Z");
    expect(mergeChanges(two, one, one).map((c) => `${c.id} ${c.change}`)).toEqual([
      "a left",
      "a joined",
    ]);
  });
});

describe("a service's URLs and names", () => {
  const formats: FileFormat[] = [
    { name: "peers.json", path: "peers.json", scope: "service", presign: "query" },
    { name: "bootstrap", path: "bootstrap", scope: "service", presign: "join" },
    { name: "stellar/peer_count", path: "stellar/peer_count", scope: "service", presign: null },
    { name: "http_sd", path: "http_sd", scope: "services", presign: null },
  ];

  it("lists each format the registry serves at its path, with how to read it", () => {
    expect(fileLinks("https://r.example", "web", formats)).toEqual([
      {
        label: "peers.json",
        value: "https://r.example/v1/services/web/peers.json",
        note: "a token, or a presigned URL",
      },
      {
        label: "bootstrap",
        value: "https://r.example/v1/services/web/bootstrap",
        note: "join URL: npm run presign -- --service web --file bootstrap",
      },
      {
        label: "stellar/peer_count",
        value: "https://r.example/v1/services/web/stellar/peer_count",
        note: "a token",
      },
      {
        label: "http_sd",
        value: "https://r.example/v1/http_sd?service=web",
        note: "across services",
      },
    ]);
  });

  it("names the service in the DNS zone, and an instance whose id is a label", () => {
    expect(
      dnsNames("blixard", { zone: "muster.internal.", irohService: "blixard" }).map((l) => l.value),
    ).toEqual([
      "_blixard._tcp.muster.internal",
      "blixard.muster.internal",
      "_iroh._tcp.muster.internal",
    ]);
    expect(dnsNames("web", { zone: "z.example", irohService: null })).toHaveLength(2);
    expect(plainIdLabel("node-1")).toBe("node-1");
    expect(plainIdLabel("Node-1")).toBeUndefined();
    expect(plainIdLabel("h--abc")).toBeUndefined();
    expect(plainIdLabel("a.b")).toBeUndefined();
  });
});
