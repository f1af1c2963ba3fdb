import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { OMITTED_HEADER } from "../../shared/formats/peers-json.js";
import { serdeSystemTime } from "../../shared/formats/system-time.js";
import type { TrustedKeys } from "../../shared/signing/trust.js";
import type { RequestSigner } from "../aws/sigv4.js";
import { send } from "../client/http.js";
import { type TokenSource, withAuth } from "../client/request-auth.js";
import { type DiscoveryPeer, type DocumentKind, dedupePeers, parsePeerDocument } from "./peers.js";
import { UntrustedAnswerError, verifyAnswer } from "./verify.js";

export interface FetchPeersOptions {
  /**
   * Sent as a bearer token to http(s) locations. Every location named gets it, so name only
   * registries you trust; a presigned URL needs none.
   */
  token?: TokenSource;
  /**
   * Signs every http(s) request with SigV4 (`--aws-iam`): a node in AWS reading the function
   * URL under its own role. A signature is good for that one request, to that one host.
   */
  signer?: RequestSigner;
  /** Per location. Default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Epoch ms, for `discovered_at` of entries that carry none. */
  now?: () => number;
  /**
   * When set, every http(s) answer must carry a good signature by one of these keys
   * (`--verify-key`). Files on disk are the operator's own and are not checked.
   */
  verify?: TrustedKeys;
}

/** Peers from one location: an http(s) URL, a file: URL, or a path on disk. */
export async function fetchPeers(
  location: string,
  options: FetchPeersOptions = {},
): Promise<DiscoveryPeer[]> {
  return (await readLocation(location, options)).peers;
}

/** What one location gave, and what the registry said it left out of it. */
interface LocationAnswer {
  peers: DiscoveryPeer[];
  /** Instances the registry left out of a Blixard file (its Muster-Omitted-Instances header). */
  omitted: number;
}

async function readLocation(location: string, options: FetchPeersOptions): Promise<LocationAnswer> {
  const discoveredAt = serdeSystemTime((options.now ?? Date.now)());
  if (/^https?:\/\//i.test(location)) {
    const headers = await withAuth(
      { token: options.token, signer: options.signer },
      { method: "GET", url: location, headers: { Accept: "application/json, text/plain;q=0.9" } },
    );
    const answer = await send(location, {
      timeoutMs: options.timeoutMs ?? 5000,
      headers,
      fetch: options.fetch,
    });
    if (options.verify) {
      verifyAnswer(
        location,
        answer.text,
        answer.headers,
        options.verify,
        (options.now ?? Date.now)(),
      );
    }
    const peers = parsePeerDocument(
      answer.text,
      kindOfType(answer.headers.get("content-type")),
      location,
      discoveredAt,
    );
    return { peers, omitted: Number(answer.headers.get(OMITTED_HEADER)) || 0 };
  }
  const path = location.startsWith("file:") ? fileURLToPath(location) : location;
  const text = await readFile(path, "utf8");
  return {
    peers: parsePeerDocument(text, kindOfExtension(path), location, discoveredAt),
    omitted: 0,
  };
}

export interface LocationsResult {
  peers: DiscoveryPeer[];
  /** One line per location that failed. */
  errors: string[];
  /** One line per location whose registry left instances out (not Blixard nodes). */
  notes: string[];
}

/**
 * Every location at once (as `BLIXARD_NODE_REGISTRIES` lists them, one registry file a
 * node), merged in the order given. A location that fails is reported, not fatal: the others
 * may be enough to join.
 */
export async function fetchAllPeers(
  locations: readonly string[],
  options: FetchPeersOptions = {},
): Promise<LocationsResult> {
  const settled = await Promise.allSettled(locations.map((l) => readLocation(l, options)));
  // One forged answer spoils the merge: refuse the whole join rather than use the others.
  for (const result of settled) {
    if (result.status === "rejected" && result.reason instanceof UntrustedAnswerError) {
      throw result.reason;
    }
  }
  const errors: string[] = [];
  settled.forEach((result, i) => {
    if (result.status === "rejected") errors.push(`${locations[i]}: ${reason(result.reason)}`);
  });
  const notes: string[] = [];
  settled.forEach((result, i) => {
    if (result.status === "fulfilled" && result.value.omitted > 0) {
      notes.push(
        `${redactedLocation(locations[i] as string)}: the registry left out ${result.value.omitted} instance(s) that are not Blixard nodes (no cluster_node_id or no valid iroh_node_id); its peers.txt lists every instance`,
      );
    }
  });
  // flatMap, not push(...list): a list of more than ~125,000 peers overflows V8's arguments.
  const peers: DiscoveryPeer[] = settled.flatMap((r) =>
    r.status === "fulfilled" ? r.value.peers : [],
  );
  return { peers: dedupePeers(peers), errors, notes };
}

function kindOfType(contentType: string | null): DocumentKind {
  if (!contentType) return "unknown";
  if (/\bjson\b/i.test(contentType)) return "json";
  if (/^text\/plain/i.test(contentType)) return "text";
  return "unknown";
}

function kindOfExtension(path: string): DocumentKind {
  const ext = extname(path).toLowerCase();
  return ext === ".json" ? "json" : ext === ".txt" ? "text" : "unknown";
}

/** A presigned URL's query string is a credential: a note names the location without it. */
function redactedLocation(location: string): string {
  return location.replace(/\?.*$/, "?…");
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
