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
      tokenCacheSeconds: 5,
      rateLimit: { ratePerSecond: 500, burst: 1000 },
      maxInstancesPerService: 100_000,
      maxInstancesPerToken: 10_000,
      baseUrl: undefined,
      shardConcurrency: 16,
      presignKeys: undefined,
    });
  });

  it("reads MUSTER_BASE_URL and refuses one a signed path cannot follow, naming it", () => {
    const env = { MUSTER_TABLE: "muster" };
    expect(readConfig({ ...env, MUSTER_BASE_URL: "https://r.example/base" }).baseUrl).toBe(
      "https://r.example/base",
    );
    for (const [bad, why] of [
      ["https://r.example/?x=1", "must have no query (?) or fragment (#)"],
      ["https://r.example#top", "must have no query (?) or fragment (#)"],
      ["https://u:p@r.example", "must not carry credentials"],
      ["ftp://r.example", "must be an http or https URL"],
    ] as const) {
      expect(() => readConfig({ ...env, MUSTER_BASE_URL: bad }), bad).toThrow(
        new ConfigError(`invalid configuration: MUSTER_BASE_URL: ${why}`),
      );
    }
  });

  it("reads the limits and the presign keys, naming a bad one but never a key", () => {
    const config = readConfig({
      MUSTER_TABLE: "muster",
      MUSTER_TOKEN_CACHE_SECONDS: "0",
      MUSTER_RATE_LIMIT: "2.5",
      MUSTER_MAX_INSTANCES_PER_SERVICE: "0",
      MUSTER_MAX_INSTANCES_PER_TOKEN: "50",
      MUSTER_PRESIGN_KEYS:
        '{"old":"0123456789abcdef0123456789abcdef","new":"fedcba9876543210fedcba9876543210"}',
    });
    expect(config).toMatchObject({
      tokenCacheSeconds: 0,
      rateLimit: { ratePerSecond: 2.5, burst: 5 },
      maxInstancesPerService: 0,
      maxInstancesPerToken: 50,
    });
    expect(Object.keys(config.presignKeys ?? {})).toEqual(["old", "new"]);
    const bad = () =>
      readConfig({
        MUSTER_TABLE: "muster",
        MUSTER_RATE_BURST: "lots",
        MUSTER_TOKEN_CACHE_SECONDS: "-1",
        MUSTER_PRESIGN_KEYS: '{"k1":"short-secret"}',
      });
    expect(bad).toThrow(
      /MUSTER_RATE_BURST.*MUSTER_TOKEN_CACHE_SECONDS|MUSTER_TOKEN_CACHE_SECONDS.*MUSTER_RATE_BURST/,
    );
    expect(bad).toThrow(/MUSTER_PRESIGN_KEYS: invalid presign keys: each key must be at least 32/);
    expect(bad).not.toThrow(/short-secret/);
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
