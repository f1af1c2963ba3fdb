import type { SrvRecord } from "node:dns";
import { Resolver } from "node:dns/promises";
import type { SerdeSystemTime } from "../../shared/formats/system-time.js";
import { formatHostPort } from "../../shared/model/address.js";
import { addressPeer, type DiscoveryPeer } from "./peers.js";

export interface SrvOptions {
  /** DNS servers as `ip` or `ip:port`; default the system's resolvers. */
  servers?: string[];
  /** Per try. Default 2 s. */
  timeoutMs?: number;
  /** Default 2. */
  tries?: number;
}

/**
 * SRV records for `name` (e.g. `_blixard._tcp.cluster.local`, or a Cloud Map namespace's
 * names). A name with no records is an answer, an empty one; a failed lookup throws.
 */
export async function lookupSrv(name: string, options: SrvOptions = {}): Promise<SrvRecord[]> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers?.length) resolver.setServers(options.servers);
  try {
    return await resolver.resolveSrv(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENODATA" || code === "ENOTFOUND") return [];
    throw new Error(`SRV ${name}: ${code ?? String(err)}`, { cause: err });
  }
}

/**
 * Peers in the order a client should try them: lower priority first (muster's own `/srv`
 * puts warning instances at 1), then heavier weight. DNS names lose their trailing dot.
 */
export function srvToPeers(
  records: readonly SrvRecord[],
  discoveredAt: SerdeSystemTime,
): DiscoveryPeer[] {
  return [...records]
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight || cmp(a.name, b.name))
    .map((r) =>
      addressPeer(formatHostPort({ host: r.name.replace(/\.$/, ""), port: r.port }), discoveredAt),
    );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
