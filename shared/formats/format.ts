import type { Instance } from "../model/instance.js";
import type { DiscoveryPeer, PeerLocation } from "./discovery-peer.js";

/**
 * What a format module declares about its file: where it is served, how, to whom, and how
 * `muster-agent` reads and writes it. The registry (registry.ts) lists every module's
 * declaration; the routes, presigning, the auth middleware and the agent read them from there,
 * so a new format is its module and one line in the registry.
 *
 * Everything here is plain code over plain data: the agent bundles it, so no format module
 * may import the HTTP app, the store or the AWS SDK.
 */

export const JSON_TYPE = "application/json; charset=utf-8";
export const TEXT_TYPE = "text/plain; charset=utf-8";

/** One answer of a format: the body, its media type, and headers of its own. */
export interface Rendered {
  body: string;
  contentType: string;
  /** Sent outside the ETag and the signature, which cover the body. */
  headers?: Record<string, string>;
}

/** Pretty: two-space indent and a final newline, for the files a person or Blixard reads. */
export function jsonRendered(value: unknown, pretty = false): Rendered {
  return {
    body: pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value),
    contentType: JSON_TYPE,
  };
}

/** The instances cannot make this file (no Blixard node, say): answered 404 with `code`. */
export class NotRenderable extends Error {
  override readonly name = "NotRenderable";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a list format is made from: one service's live instances, filtered. */
export interface ListInput {
  service: string;
  instances: Instance[];
  /** Seconds an answer may be cached at the edge (the TTL SRV records carry). */
  cacheSeconds: number;
  /** A paged read (`pageable`): the next page's cursor, null at the end. Absent: the whole list. */
  nextCursor?: string | null;
}

/** How `muster-agent watch --format <as>` turns one answer into files. */
export interface WatchFiles {
  as: string;
  /** The files, by name in `--out-dir`; a format of one file may go to `--out` instead. */
  files: readonly string[];
  /**
   * Their contents from one answer, in the order of `files`. Throws on an answer that is not
   * whole (a truncated body), which is then not written.
   */
  split(body: string): string[];
  /** Its line in `muster-agent help watch`; more lines after "\n". */
  help: string;
}

/** How `muster-agent join` reads the document when pointed at it. */
export interface PeerReader {
  /** What `join`'s messages call such a document: "peers.json", "SRV answer"… */
  label: string;
  /**
   * `"text"`: the reader of plain text (one at most). Otherwise whether a parsed JSON value
   * is this format's; readers are asked in the registry's order.
   */
  accepts: "text" | ((json: unknown) => boolean);
  /** `document`: the text for the text reader, else the parsed JSON. */
  read(document: unknown, where: PeerLocation): DiscoveryPeer[];
}

interface FormatCommon {
  /** What presigning (`"file"`), the CLIs and the docs call it. */
  name: string;
  /**
   * Where it is served: under `/v1/services/{service}/` for a service's or an instance's file
   * (`{id}` stands for the instance id), else under `/v1/`.
   */
  path: string;
  contentType: string;
  /**
   * How a URL that needs no token is minted for it (`POST /v1/admin/presign`): `query`, a
   * presigned URL (shared/auth/presign.ts); `join`, a join URL whose credential is a path
   * segment, which is what Blixard's `--join-address` can carry
   * (shared/auth/join-capability.ts). Absent: none.
   */
  presign?: "query" | "join";
  /**
   * Read without a token when its service is public (MUSTER_PUBLIC_SERVICES); a list across
   * services then shows the public ones.
   */
  publicByDefault: boolean;
  watch?: WatchFiles;
  read?: PeerReader;
}

/** A file made from one service's live instances; every one takes `?wait=`, `?tag=`. */
export interface ServiceFormat extends FormatCommon {
  scope: "service";
  /** Critical instances are left out unless `?status=` asks for them. */
  hidesCritical: boolean;
  /** Why `?status=` is refused, when the format decides which instances it lists itself. */
  statusRefused?: string;
  /** `?limit=&cursor=` answers one page. */
  pageable?: boolean;
  render(input: ListInput): Rendered;
}

/** A file of one live instance (`{id}` in the path). */
export interface InstanceFormat extends FormatCommon {
  scope: "instance";
  render(instance: Instance): Rendered;
}

/** A list across every service the caller may read (`?service=` narrows it to one). */
export interface ServicesFormat extends FormatCommon {
  scope: "services";
  render(instances: Instance[]): Rendered;
}

export type Format = ServiceFormat | InstanceFormat | ServicesFormat;
