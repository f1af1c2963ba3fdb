import { describe, expect, it } from "vitest";
import { clientKey, http1Options } from "../../local/connection-guard.js";

describe("connection guard", () => {
  it("counts IPv4 (mapped or not) by address and IPv6 by its /64", () => {
    expect(clientKey("10.0.0.9")).toBe("10.0.0.9");
    expect(clientKey("::ffff:10.0.0.9")).toBe("10.0.0.9");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2::99")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey(undefined)).toBe("unknown");
  });

  it("checks Node's HTTP/1.1 timeouts four times per headers timeout, at most once a second", () => {
    const limits = {
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      idleTimeoutMs: 4000,
      maxPerClient: 1,
    };
    expect(http1Options(limits)).toEqual({
      headersTimeout: 2000,
      requestTimeout: 3000,
      keepAliveTimeout: 4000,
      connectionsCheckingInterval: 500,
    });
    expect(http1Options({ ...limits, headersTimeoutMs: 20_000 }).connectionsCheckingInterval).toBe(
      1000,
    );
  });
});
