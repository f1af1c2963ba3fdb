import { describe, expect, it } from "vitest";
import { parseConfigMapRef } from "./configmap-writer.js";

describe("parseConfigMapRef", () => {
  it("reads NAMESPACE/NAME, and NAME alone in the default namespace", () => {
    expect(parseConfigMapRef("stellar/core-peers")).toEqual({
      namespace: "stellar",
      name: "core-peers",
    });
    expect(parseConfigMapRef("core.peers", "stellar")).toEqual({
      namespace: "stellar",
      name: "core.peers",
    });
  });

  it.each([
    ["core-peers", /give the ConfigMap as NAMESPACE\/NAME/],
    ["a/b/c", /give the ConfigMap as NAMESPACE\/NAME/],
    ["/peers", /give the ConfigMap as NAMESPACE\/NAME/],
    ["Stellar/peers", /"Stellar" is not a Kubernetes namespace name/],
    ["stellar/Peers_1", /"Peers_1" is not a ConfigMap name/],
  ])("refuses %j", (text, message) => {
    expect(() => parseConfigMapRef(text)).toThrow(message);
  });
});
