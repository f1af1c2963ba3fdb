import { describe, expect, it } from "vitest";
import { readDebug, readLocalModeSettings, readLocalSettings } from "./local.js";
import { ConfigError } from "./read.js";

describe("readLocalSettings", () => {
  it("defaults to SQLite in .muster on 127.0.0.1:8787, plain HTTP, no plain DNS, /metrics behind a token", () => {
    expect(readLocalSettings({})).toEqual({
      dataDir: ".muster",
      port: 8787,
      host: "127.0.0.1",
      store: "sqlite",
      tls: undefined,
      dns: undefined,
      metricsPublic: false,
      connections: {
        headersTimeoutMs: 20_000,
        requestTimeoutMs: 60_000,
        idleTimeoutMs: 60_000,
        maxPerClient: 1024,
      },
      outliveParent: false,
    });
  });

  it("reads the connection limits in seconds, refusing a headers timeout longer than the request's", () => {
    expect(
      readLocalSettings({
        MUSTER_HEADERS_TIMEOUT_SECONDS: "2",
        MUSTER_REQUEST_TIMEOUT_SECONDS: "3",
        MUSTER_IDLE_TIMEOUT_SECONDS: "4",
        MUSTER_MAX_CONNECTIONS_PER_CLIENT: "10",
      }).connections,
    ).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      idleTimeoutMs: 4000,
      maxPerClient: 10,
    });
    expect(() =>
      readLocalSettings({
        MUSTER_HEADERS_TIMEOUT_SECONDS: "30",
        MUSTER_REQUEST_TIMEOUT_SECONDS: "10",
      }),
    ).toThrow(
      /MUSTER_HEADERS_TIMEOUT_SECONDS must not be longer than MUSTER_REQUEST_TIMEOUT_SECONDS/,
    );
    expect(() => readLocalSettings({ MUSTER_HEADERS_TIMEOUT_SECONDS: "0" })).toThrow(
      /MUSTER_HEADERS_TIMEOUT_SECONDS: must be a whole number 1-300/,
    );
    expect(() => readLocalSettings({ MUSTER_MAX_CONNECTIONS_PER_CLIENT: "many" })).toThrow(
      /MUSTER_MAX_CONNECTIONS_PER_CLIENT/,
    );
  });

  it("reads the data folder, where to listen and the store, naming a bad port", () => {
    expect(
      readLocalSettings({
        MUSTER_DATA_DIR: "/var/lib/muster",
        PORT: "0",
        HOST: "0.0.0.0",
        MUSTER_STORE: "dynamodb",
      }),
    ).toMatchObject({ dataDir: "/var/lib/muster", port: 0, host: "0.0.0.0", store: "dynamodb" });
    expect(() => readLocalSettings({ PORT: "65536" })).toThrow(/PORT: /);
    expect(() => readLocalSettings({ PORT: "http" })).toThrow(/PORT: /);
  });

  it("reads MUSTER_DNS_PORT, MUSTER_DNS_HOST and the TLS pair, refusing bad values by name", () => {
    expect(readLocalSettings({ MUSTER_DNS_PORT: "5353" }).dns).toEqual({
      host: "127.0.0.1",
      port: 5353,
    });
    expect(readLocalSettings({ MUSTER_DNS_PORT: "53", MUSTER_DNS_HOST: "0.0.0.0" }).dns).toEqual({
      host: "0.0.0.0",
      port: 53,
    });
    // The host alone turns nothing on.
    expect(readLocalSettings({ MUSTER_DNS_HOST: "0.0.0.0" }).dns).toBeUndefined();
    expect(() => readLocalSettings({ MUSTER_DNS_PORT: "70000" })).toThrow(/MUSTER_DNS_PORT/);
    expect(() => readLocalSettings({ MUSTER_DNS_PORT: "dns" })).toThrow(/MUSTER_DNS_PORT/);
    expect(readLocalSettings({ MUSTER_TLS_CERT: "c.pem", MUSTER_TLS_KEY: "k.pem" }).tls).toEqual({
      cert: "c.pem",
      key: "k.pem",
    });
    expect(() => readLocalSettings({ MUSTER_TLS_CERT: "/x.pem" })).toThrow(
      new ConfigError(
        "invalid configuration: MUSTER_TLS_CERT and MUSTER_TLS_KEY must be set together",
      ),
    );
    expect(() => readLocalSettings({ MUSTER_TLS_KEY: "/x.pem", MUSTER_TLS_CERT: " " })).toThrow(
      /MUSTER_TLS_CERT and MUSTER_TLS_KEY must be set together/,
    );
  });

  it("opens /metrics with MUSTER_METRICS_PUBLIC=true, and refuses a value that is not a boolean", () => {
    expect(readLocalSettings({ MUSTER_METRICS_PUBLIC: "true" }).metricsPublic).toBe(true);
    expect(readLocalSettings({ MUSTER_METRICS_PUBLIC: "FALSE" }).metricsPublic).toBe(false);
    expect(() => readLocalSettings({ MUSTER_METRICS_PUBLIC: "yes" })).toThrow(
      /MUSTER_METRICS_PUBLIC: must be true or false/,
    );
  });

  it("stops with the process that started it unless MUSTER_OUTLIVE_PARENT says otherwise", () => {
    expect(readLocalSettings({ MUSTER_OUTLIVE_PARENT: "1" }).outliveParent).toBe(true);
    expect(readLocalSettings({ MUSTER_OUTLIVE_PARENT: "false" }).outliveParent).toBe(false);
    expect(() => readLocalSettings({ MUSTER_OUTLIVE_PARENT: "always" })).toThrow(
      /MUSTER_OUTLIVE_PARENT: must be true or false/,
    );
  });

  it("reads MUSTER_DEBUG as on when it holds anything", () => {
    expect(readDebug({})).toBe(false);
    expect(readDebug({ MUSTER_DEBUG: " " })).toBe(false);
    expect(readDebug({ MUSTER_DEBUG: "1" })).toBe(true);
  });
});

describe("readLocalModeSettings", () => {
  it("reads every section with local mode's table, and both sections' table alike", () => {
    const settings = readLocalModeSettings({ MUSTER_CLOUDMAP_NAMESPACE: "ns-abc" });
    expect(settings.api.tableName).toBe("muster");
    expect(settings.reconciler.tableName).toBe("muster");
    expect(settings.reconciler.cloudMapNamespace).toBe("ns-abc");
    expect(settings.dns.zone).toBe("muster.internal");
    expect(settings.local.store).toBe("sqlite");
    expect(readLocalModeSettings({ MUSTER_TABLE: "other" }).reconciler.tableName).toBe("other");
  });

  it("names every bad variable of every section in one error, each once", () => {
    const read = () =>
      readLocalModeSettings({
        MUSTER_TABLE: "x",
        MUSTER_RATE_LIMIT: "fast",
        MUSTER_SAFETY_RATIO: "2",
        MUSTER_DNS_ZONE: "bad_zone",
        PORT: "http",
      });
    expect(read).toThrow(ConfigError);
    let message = "";
    try {
      read();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: /);
    for (const name of ["MUSTER_RATE_LIMIT", "MUSTER_SAFETY_RATIO", "MUSTER_DNS_ZONE", "PORT"]) {
      expect(message).toContain(`${name}: `);
    }
    // Read by the API and the reconciler, named once.
    expect(message.match(/MUSTER_TABLE: /g)).toHaveLength(1);
  });
});
