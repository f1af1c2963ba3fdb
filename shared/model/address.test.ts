import { describe, expect, it } from "vitest";
import { formatHostPort, parseHostPort } from "./address.js";

describe("parseHostPort", () => {
  it.each([
    ["10.0.0.1:80", { host: "10.0.0.1", port: 80 }],
    ["[2001:db8::1]:7001", { host: "2001:db8::1", port: 7001 }],
    ["[::1]:1", { host: "::1", port: 1 }],
    ["node-1.internal:65535", { host: "node-1.internal", port: 65535 }],
    ["localhost:8787", { host: "localhost", port: 8787 }],
    ["example.com.:443", { host: "example.com.", port: 443 }],
  ])("accepts %s", (value, expected) => {
    expect(parseHostPort(value)).toEqual(expected);
    expect(formatHostPort(expected)).toBe(value);
  });

  it.each([
    "10.0.0.1",
    "10.0.0.1:",
    "10.0.0.1:0",
    "10.0.0.1:65536",
    "10.0.0.1:08080a",
    "256.0.0.1:80",
    "1.2.3:80",
    "2001:db8::1:80",
    "[2001:db8::zz]:80",
    "[10.0.0.1]:80",
    "-a.example:80",
    "a..example:80",
    "a_b.example:80",
    ":80",
    "",
    `${"a".repeat(64)}.example:80`,
    "ünï.example:80",
  ])("refuses %j", (value) => {
    expect(parseHostPort(value)).toBeUndefined();
  });
});
