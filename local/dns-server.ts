import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { DnsSource, ZoneOptions } from "../shared/dns/answer.js";
import { CachedResponder } from "../shared/dns/cached-respond.js";
import { isAnswerable } from "../shared/dns/raw-message.js";
import {
  DnsFormatError,
  formatError,
  serverFailure,
  UDP_AMPLIFICATION,
} from "../shared/dns/wire.js";
import type { AnswerCache } from "../shared/http/answer-cache.js";
import { DNS_TCP_LIMITS, type DnsTcpLimits, listenDnsTcp } from "./dns-tcp.js";

export interface DnsServerOptions {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
  source: DnsSource;
  zone: ZoneOptions;
  /**
   * Answers kept until their service changes, shared with the HTTP reads; asked per query, as
   * the store it depends on may open after the port is claimed. Default: none kept.
   */
  answers?: () => AnswerCache | undefined;
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

type Reply = Buffer | undefined;
type Responding = DnsServerOptions & { responder: CachedResponder };

function failed(err: unknown, query: Buffer, options: DnsServerOptions): Reply {
  if (err instanceof DnsFormatError) return formatError(query);
  options.warn?.("dns: cannot answer", { reason: String(err) });
  return serverFailure(query);
}

/** The reply to one query: at once when the answer is kept (answer cache), else later. */
function answer(
  query: Buffer,
  options: Responding,
  transport: "udp" | "stream",
): Reply | Promise<Reply> {
  // A response or a fragment of a header: no answer at all (a reply to a reply could bounce
  // between two servers for ever).
  if (!isAnswerable(query)) return undefined;
  try {
    const r = options.responder.respond(query, options.source, options.zone, transport);
    if (!(r instanceof Promise)) return r.message;
    return r.then(
      (a) => a.message,
      (err) => failed(err, query, options),
    );
  } catch (err) {
    return failed(err, query, options);
  }
}

function listenUdp(options: Responding, port: number): Promise<UdpSocket> {
  const udp = createSocket(isIPv6(options.host) ? "udp6" : "udp4");
  udp.on("message", (query, remote) => {
    const send = (message: Reply) => {
      // respond() keeps within three times the query; this holds whatever path answered.
      if (message && message.length <= UDP_AMPLIFICATION * query.length) {
        udp.send(message, remote.port, remote.address);
      }
    };
    const reply = answer(query, options, "udp");
    if (reply instanceof Promise) void reply.then(send);
    else send(reply);
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
export async function startDnsServer(server: DnsServerOptions): Promise<RunningDnsServer> {
  const options: Responding = {
    ...server,
    responder: new CachedResponder(server.answers ?? (() => undefined)),
  };
  for (let attempt = 0; ; attempt++) {
    const udp = await listenUdp(options, options.port);
    const port = udp.address().port;
    try {
      const tcp = await listenDnsTcp(
        options.host,
        port,
        async (q) => answer(q, options, "stream"),
        {
          ...DNS_TCP_LIMITS,
          ...options.tcp,
        },
      );
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
