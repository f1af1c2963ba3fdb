import { serdeSystemTime } from "../../shared/formats/system-time.js";
import { parseHostPort } from "../../shared/model/address.js";
import { type FetchPeersOptions, fetchAllPeers } from "./fetch-peers.js";
import { addressPeer, type DiscoveryPeer, dedupePeers } from "./peers.js";
import { lookupSrv, type SrvOptions, srvToPeers } from "./srv.js";
import { UntrustedAnswerError } from "./verify.js";

export interface LayerResult {
  peers: DiscoveryPeer[];
  /** Partial failures that did not stop the layer from answering. */
  warnings?: string[];
}

/** One way of finding peers. Throws when it could not ask; answers `[]` when asked and none. */
export interface Layer {
  name: string;
  discover(): Promise<LayerResult>;
}

export interface LayerOutcome {
  layer: string;
  peers: number;
  warnings: string[];
  error?: string;
}

export interface LayeredResult {
  peers: DiscoveryPeer[];
  /** The layer that yielded the peers; undefined when none did. */
  layer: string | undefined;
  outcomes: LayerOutcome[];
}

/**
 * Seed 002's "discovery priority and fallback": each layer in turn until one yields at least
 * one peer. A layer that fails falls through like one that finds nothing; which it was is
 * kept in `outcomes`, so a caller can tell "alone in the cluster" from "could not look".
 */
export async function discoverLayered(layers: readonly Layer[]): Promise<LayeredResult> {
  const outcomes: LayerOutcome[] = [];
  for (const layer of layers) {
    try {
      const { peers, warnings = [] } = await layer.discover();
      outcomes.push({ layer: layer.name, peers: peers.length, warnings });
      if (peers.length > 0) return { peers, layer: layer.name, outcomes };
    } catch (err) {
      // A forged answer is not a layer that is down: falling through would hand the choice
      // of peers to whoever can break the layers before the one that failed.
      if (err instanceof UntrustedAnswerError) throw err;
      const error = err instanceof Error ? err.message : String(err);
      outcomes.push({ layer: layer.name, peers: 0, warnings: [], error });
    }
  }
  return { peers: [], layer: undefined, outcomes };
}

export interface JoinSources extends FetchPeersOptions {
  /** `host:port` each; when given they win, as Engram's configured seeds do. */
  seeds?: string[];
  /** Registry files, peer lists, their URLs (muster's peers.json, peers.txt, registry.json, srv). */
  locations?: string[];
  /** An SRV name, e.g. `_blixard._tcp.cluster.local`. */
  srv?: string;
  dns?: SrvOptions;
}

/** The layers in the order the issue lays out: static seeds, registry URLs, DNS SRV. */
export function joinLayers(sources: JoinSources): Layer[] {
  const now = () => serdeSystemTime((sources.now ?? Date.now)());
  const layers: Layer[] = [];
  const seeds = sources.seeds ?? [];
  if (seeds.length > 0) {
    const bad = seeds.find((s) => parseHostPort(s) === undefined);
    if (bad !== undefined) throw new TypeError(`seed ${JSON.stringify(bad)} is not host:port`);
    layers.push({
      name: "static seeds",
      discover: async () => ({ peers: dedupePeers(seeds.map((s) => addressPeer(s, now()))) }),
    });
  }
  const locations = sources.locations ?? [];
  if (locations.length > 0) {
    layers.push({
      name: "registry",
      discover: async () => {
        const { peers, errors, notes } = await fetchAllPeers(locations, sources);
        if (errors.length === locations.length) throw new Error(errors.join("; "));
        return { peers, warnings: [...errors, ...notes] };
      },
    });
  }
  const srv = sources.srv;
  if (srv) {
    layers.push({
      name: `DNS SRV ${srv}`,
      discover: async () => ({ peers: srvToPeers(await lookupSrv(srv, sources.dns), now()) }),
    });
  }
  return layers;
}
