import { isIPv4, isIPv6 } from "node:net";
import * as z from "../validation/zod.js";
import { dnsNamePattern } from "./dns-label.js";

/** A parsed `host:port`; `host` carries no brackets, even for IPv6. */
export interface HostPort {
  host: string;
  port: number;
}

const DNS_NAME = dnsNamePattern({ caseInsensitive: true, trailingDot: true });

/**
 * Parses `host:port` where host is an IPv4 address, a bracketed IPv6 address or a DNS name.
 * Returns undefined for anything else, so callers decide how to report it.
 */
export function parseHostPort(value: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const [, v6, other, portText] = match;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port } : undefined;
  if (other === undefined) return undefined;
  // A dotted-quad that is not a valid IPv4 address must not slip through as a DNS name.
  if (/^[\d.]+$/.test(other)) return isIPv4(other) ? { host: other, port } : undefined;
  return DNS_NAME.test(other) ? { host: other, port } : undefined;
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export const hostPort = z.string().check(
  z.maxLength(262),
  z.refine((v) => parseHostPort(v) !== undefined, {
    message: "must be host:port with an IPv4 address, [IPv6] or DNS name, and a port 1-65535",
  }),
);

/**
 * An address a heartbeat registers: as `hostPort`, and its port written without a leading
 * zero. `10.0.0.9:080` means port 80 to every client muster serves (Rust's SocketAddr, Go's
 * net package and stellar-core's atoi all read it in decimal), but C's strtol with base 0
 * reads it as a bad octal number, and two spellings of one address would be two addresses
 * to anything comparing them as text: the one spelling is asked for, as for direct addresses.
 */
export const registeredHostPort = z.string().check(
  z.maxLength(262),
  z.refine((v) => parseHostPort(v) !== undefined, {
    message: "must be host:port with an IPv4 address, [IPv6] or DNS name, and a port 1-65535",
  }),
  z.refine((v) => !/:0\d+$/.test(v), {
    message: "the port must be written without leading zeros (e.g. :80, not :080)",
  }),
);
