import { isIPv4, isIPv6 } from "node:net";
import * as z from "../validation/zod.js";

/**
 * A socket address as Rust's `SocketAddr::from_str` reads it: `a.b.c.d:port` or
 * `[ipv6]:port`. Blixard and Iroh dial only these; a host name there is dropped without a word,
 * so muster refuses it where it is registered. Port 0 cannot be dialled.
 */
export function isSocketAddress(value: string): boolean {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const [, v6, v4, portText] = match;
  const port = Number(portText);
  if (port < 1 || port > 65535 || (portText ?? "").startsWith("0")) return false;
  if (v4 !== undefined) {
    // Rust reads no octet with a leading zero (it could be meant as octal).
    return isIPv4(v4) && v4.split(".").every((o) => o === "0" || !o.startsWith("0"));
  }
  return v6 !== undefined && isIPv6(v6);
}

export const socketAddress = z.string().check(
  z.maxLength(64),
  z.refine(isSocketAddress, {
    message: "must be a socket address: IPv4:port or [IPv6]:port, port 1-65535",
  }),
);
