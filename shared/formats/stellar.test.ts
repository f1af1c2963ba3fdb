import { describe, expect, it } from "vitest";
import { instance } from "../../test/support/instances.js";
import type { Instance } from "../model/instance.js";
import { stellarFiles, stellarPeers, toStellarPeers } from "./stellar.js";

const node = (id: string, over: Partial<Instance> = {}): Instance =>
  instance({ service: "stellar", id, address: "10.0.0.1:11625", ...over });

describe("Stellar's peer files", () => {
  it("writes what serde_json::to_string_pretty writes, keys sorted, no trailing newline", () => {
    const peers = toStellarPeers([
      node("validator-1", { metadata: { namespace: "stellar-nodes" } }),
      node("validator-2", { address: "10.0.0.2:11626" }),
    ]);
    const files = stellarFiles(peers);
    expect(files["peers.json"]).toBe(
      [
        "[",
        "  {",
        '    "ip": "10.0.0.1",',
        '    "name": "validator-1",',
        '    "namespace": "stellar-nodes",',
        '    "nodeType": "Validator",',
        '    "peerString": "10.0.0.1:11625",',
        '    "port": 11625',
        "  },",
        "  {",
        '    "ip": "10.0.0.2",',
        '    "name": "validator-2",',
        '    "namespace": "default",',
        '    "nodeType": "Validator",',
        '    "peerString": "10.0.0.2:11626",',
        '    "port": 11626',
        "  }",
        "]",
      ].join("\n"),
    );
    expect(files["peers.txt"]).toBe("10.0.0.1:11625\n10.0.0.2:11626");
    expect(files.peer_count).toBe("2");
    expect(stellarPeers.parse(JSON.parse(files["peers.json"]))).toEqual(peers);
  });

  it("lists passing validators only, never suspended ones", () => {
    const peers = toStellarPeers([
      node("a", { metadata: { node_type: "Horizon" } }),
      node("b", { metadata: { suspended: "true" } }),
      node("c", { status: "warning" }),
      node("d", { metadata: { node_type: "validator" } }),
      node("e", { address: "[2001:db8::1]:11625" }),
    ]);
    expect(peers.map((p) => [p.name, p.peerString])).toEqual([
      ["d", "10.0.0.1:11625"],
      ["e", "[2001:db8::1]:11625"],
    ]);
  });

  it("takes a Pod's namespace, as the Kubernetes source records it, when no namespace is said", () => {
    const peers = toStellarPeers([
      node("stellar.core-0", { source: "kubernetes", metadata: { k8s_namespace: "stellar" } }),
      node("b", { metadata: { namespace: "mine", k8s_namespace: "stellar" } }),
    ]);
    expect(peers.map((p) => [p.name, p.namespace])).toEqual([
      ["stellar.core-0", "stellar"],
      ["b", "mine"],
    ]);
  });

  it("writes an empty set as the operator does", () => {
    expect(stellarFiles([])).toEqual({ "peers.json": "[]", "peers.txt": "", peer_count: "0" });
  });
});
