import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "./config.js";

describe("readConfig", () => {
  it("reads lists, trims them and applies the table default", () => {
    const config = readConfig(
      {
        MUSTER_TOKENS: " token-one-0123456789 ,token-two-0123456789,",
        MUSTER_PUBLIC_SERVICES: "web, api",
      },
      { table: "muster" },
    );
    expect(config).toEqual({
      tableName: "muster",
      tokens: ["token-one-0123456789", "token-two-0123456789"],
      publicServices: new Set(["web", "api"]),
    });
  });

  it("names every bad variable and never echoes a token", () => {
    const read = () =>
      readConfig({ MUSTER_TOKENS: "tiny-secret", MUSTER_PUBLIC_SERVICES: "Not_A_Label" });
    expect(read).toThrow(ConfigError);
    try {
      read();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain("MUSTER_TABLE");
      expect(message).toContain("MUSTER_TOKENS");
      expect(message).toContain("MUSTER_PUBLIC_SERVICES");
      expect(message).not.toContain("tiny-secret");
    }
  });
});
