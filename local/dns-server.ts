import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { DnsSource, ZoneOptions } from "../shared/dns/answer.js";
import { isAnswerable } from "../shared/dns/raw-message.js";
import {
  DnsFormatError,
  formatError,
  respond,
  serverFailure,
  UDP_AMPLIFICATION,
} from "../shared/dns/wire.js";
import { DNS_TCP_LIMITS, type DnsTcpLimits, listenDnsTcp } from "./dns-tcp.js";

export interface DnsServerOptions {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
  source: DnsSource;
  zone: ZoneOptions;
  warn?: (message: string, detail?: Record<string, unknown>) => void;
  /** DNS over TCP's limits, where not the defaults (local/dns-tcp.ts). */
  tcp?: Partial<DnsTcpLimits>;
}

export interface RunningDnsServer {
  host: string;
  port: number;
  /** Bytes held for TCP connections (their unparsed queries and unread answers). */
  held(): number;
  close(): Promise<void>;
}

async function answer(query: Buffer, options: DnsServerOptions, transport: "udp" | "stream") {
  // A response or a fragment of a header: no answer at all (a reply to a reply could bounce
  // between two servers for ever).
  if (!isAnswerable(query)) return undefined;
  try {
    return (await respond(query, options.source, options.zone, transport)).message;
  } catch (err) {
    if (err instanceof DnsFormatError) return formatError(query);
    options.warn?.("dns: cannot answer", { reason: String(err) });
    return serverFailure(query);
  }
}

function listenUdp(options: DnsServerOptions, port: number): Promise<UdpSocket> {
  const udp = createSocket(isIPv6(options.host) ? "udp6" : "udp4");
  udp.on("message", (query, remote) => {
    void answer(query, options, "udp").then((message) => {
      // respond() keeps within three times the query; this holds whatever path answered.
      if (message && message.length <= UDP_AMPLIFICATION * query.length) {
        udp.send(message, remote.port, remote.address);
      }
    });
  });
  return new Promise((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, options.host, () => {
      udp.off("error", reject);
      udp.on("error", (err) => options.warn?.("dns: udp error", { reason: String(err) }));
      resolve(udp);
    });
  });
}

/**
 * Plain DNS on UDP and TCP, one port. A free port (0) is taken on UDP first and then asked of
 * TCP; if TCP has it in use, another is tried, a few times.
 */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  for (let attempt = 0; ; attempt++) {
    const udp = await listenUdp(options, options.port);
    const port = udp.address().port;
    try {
      const tcp = await listenDnsTcp(options.host, port, (q) => answer(q, options, "stream"), {
        ...DNS_TCP_LIMITS,
        ...options.tcp,
      });
      return {
        host: options.host,
        port,
        held: tcp.held,
        close: async () => {
          await Promise.all([new Promise<void>((done) => udp.close(() => done())), tcp.close()]);
        },
      };
    } catch (err) {
      udp.close();
      if (options.port !== 0 || attempt >= 5) throw err;
    }
  }
}
