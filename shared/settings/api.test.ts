import { describe, expect, it } from "vitest";
import { readApiSettings } from "./api.js";
import { ConfigError } from "./read.js";

describe("readApiSettings", () => {
  it("reads lists, trims them and applies the table default", () => {
    const config = readApiSettings(
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
      secrets: { tokens: undefined, signingKeys: undefined, presignKeys: undefined },
      lambdaMaxWaitSeconds: 0,
      consulDatacenter: "dc1",
      consulReaskSeconds: 25,
      iamRoles: new Map(),
      uiPollSeconds: 10,
    });
  });

  it("reads the Consul API's datacenter and re-ask interval, refusing what Consul would", () => {
    const config = readApiSettings({
      MUSTER_TABLE: "muster",
      MUSTER_CONSUL_DATACENTER: "eu-west_1",
      MUSTER_CONSUL_REASK_SECONDS: "5",
    });
    expect(config).toMatchObject({ consulDatacenter: "eu-west_1", consulReaskSeconds: 5 });
    expect(() =>
      readApiSettings({ MUSTER_TABLE: "muster", MUSTER_CONSUL_DATACENTER: "EU West" }),
    ).toThrow(/MUSTER_CONSUL_DATACENTER: must be 1-64 of a-z, 0-9, _ and -/);
    expect(() =>
      readApiSettings({ MUSTER_TABLE: "muster", MUSTER_CONSUL_REASK_SECONDS: "0" }),
    ).toThrow(/MUSTER_CONSUL_REASK_SECONDS/);
  });

  it("reads MUSTER_IAM_ROLES, naming the role and field of a mistake", () => {
    const env = { MUSTER_TABLE: "muster" };
    const roles = readApiSettings({
      ...env,
      MUSTER_IAM_ROLES: '{"ops/web-nodes":{"role":"register","services":["web"]}}',
    }).iamRoles;
    expect([...roles]).toEqual([
      ["web-nodes", { role: "register", services: ["web"], bindInstanceId: false }],
    ]);
    expect(() =>
      readApiSettings({ ...env, MUSTER_IAM_ROLES: '{"w":{"role":"admin","services":["web"]}}' }),
    ).toThrow(/^invalid configuration: MUSTER_IAM_ROLES: w\.role: must be read or register/);
  });

  it("reads MUSTER_BASE_URL and refuses one a signed path cannot follow, naming it", () => {
    const env = { MUSTER_TABLE: "muster" };
    expect(readApiSettings({ ...env, MUSTER_BASE_URL: "https://r.example/base" }).baseUrl).toBe(
      "https://r.example/base",
    );
    for (const [bad, why] of [
      ["https://r.example/?x=1", "must have no query (?) or fragment (#)"],
      ["https://r.example#top", "must have no query (?) or fragment (#)"],
      ["https://u:p@r.example", "must not carry credentials"],
      ["ftp://r.example", "must be an http or https URL"],
    ] as const) {
      expect(() => readApiSettings({ ...env, MUSTER_BASE_URL: bad }), bad).toThrow(
        new ConfigError(`invalid configuration: MUSTER_BASE_URL: ${why}`),
      );
    }
  });

  it("reads the web UI's poll interval, 2 to 3600 seconds", () => {
    const env = { MUSTER_TABLE: "muster" };
    expect(readApiSettings(env).uiPollSeconds).toBe(10);
    expect(readApiSettings({ ...env, MUSTER_UI_POLL_SECONDS: "30" }).uiPollSeconds).toBe(30);
    for (const bad of ["1", "3601", "5.5", "often"]) {
      expect(() => readApiSettings({ ...env, MUSTER_UI_POLL_SECONDS: bad }), bad).toThrow(
        /^invalid configuration: MUSTER_UI_POLL_SECONDS: /,
      );
    }
  });

  it("reads the limits and the presign keys, naming a bad one but never a key", () => {
    const config = readApiSettings({
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
      readApiSettings({
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
      readApiSettings({ MUSTER_TOKENS: "tiny-secret", MUSTER_PUBLIC_SERVICES: "Not_A_Label" });
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

  it("reads the secrets, naming a bad secret id", () => {
    const env = { MUSTER_TABLE: "muster" };
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:muster-tokens-AbCdEf";
    const config = readApiSettings({
      ...env,
      MUSTER_TOKENS_SECRET_ARN: arn,
      MUSTER_PRESIGN_KEYS_SECRET_ARN: "muster/presign",
    });
    expect(config.secrets).toEqual({
      tokens: arn,
      signingKeys: undefined,
      presignKeys: "muster/presign",
    });
    expect(() => readApiSettings({ ...env, MUSTER_SIGNING_KEYS_SECRET_ARN: "a b" })).toThrow(
      /MUSTER_SIGNING_KEYS_SECRET_ARN: must be a Secrets Manager secret ARN or name/,
    );
  });

  it("reads a blank variable as unset and trims the others, as every section does", () => {
    const config = readApiSettings(
      {
        MUSTER_TABLE: "  ",
        MUSTER_TOKEN_CACHE_SECONDS: " ",
        MUSTER_RATE_LIMIT: "",
        MUSTER_BASE_URL: " https://r.example ",
        MUSTER_TOKENS_SECRET_ARN: "\t",
      },
      { table: "muster" },
    );
    expect(config).toMatchObject({
      tableName: "muster",
      tokenCacheSeconds: 5,
      rateLimit: { ratePerSecond: 500 },
      baseUrl: "https://r.example",
      secrets: { tokens: undefined },
    });
    // Without a default, a blank table is a missing one.
    expect(() => readApiSettings({ MUSTER_TABLE: "" })).toThrow(/MUSTER_TABLE: /);
  });
});
