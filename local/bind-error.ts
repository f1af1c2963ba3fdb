import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";

/**
 * A DNS listener that could not be had, said in one line naming the port and the protocol
 * and what to do; anything else is passed on as it is. UDP is bound first (dgram's `bind`),
 * then TCP on the same port (net's `listen`).
 */
export function dnsBindError(err: unknown, host: string, port: number): unknown {
  const { code, syscall } = err as NodeJS.ErrnoException;
  const protocol = syscall === "bind" ? "UDP" : "TCP";
  switch (code) {
    case "EADDRINUSE":
      return new ConfigError(
        `DNS port ${port} on ${host} is already in use (${protocol}): stop what holds it (on 5353, often avahi-daemon, the mDNS responder), or set ${Env.MUSTER_DNS_PORT} to a free port`,
      );
    case "EACCES":
      return new ConfigError(
        `DNS port ${port} on ${host} needs privileges this user lacks: set ${Env.MUSTER_DNS_PORT} above 1023 (dig -p <port>), or forward port 53 to it`,
      );
    case "EADDRNOTAVAIL":
      return new ConfigError(
        `${host} is not an address of this machine: set ${Env.MUSTER_DNS_HOST} to one of its addresses`,
      );
    default:
      return err;
  }
}
