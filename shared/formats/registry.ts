import { bootstrapFormat } from "./bootstrap.js";
import type { Format, PeerReader, WatchFiles } from "./format.js";
import { httpSdFormat } from "./http-sd.js";
import { instancesFormat } from "./instances.js";
import { peersJsonFormat } from "./peers-json.js";
import { peersTxtFormat } from "./peers-txt.js";
import { registryJsonFormat } from "./registry-json.js";
import { srvFormat } from "./srv.js";
import { stellarFormats } from "./stellar.js";

/**
 * Every file the registry serves (format.ts says what each declares). The order is the one
 * `muster-agent join` asks the readers in, and the one usage texts list formats in.
 */
export const FORMATS: readonly Format[] = [
  peersJsonFormat,
  srvFormat,
  bootstrapFormat,
  registryJsonFormat,
  peersTxtFormat,
  instancesFormat,
  ...stellarFormats,
  httpSdFormat,
];

export function formatNamed(name: string): Format | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** The formats `POST /v1/admin/presign` mints URLs for. */
export const PRESIGNABLE: readonly Format[] = FORMATS.filter((f) => f.presign !== undefined);

/** The formats `muster-agent watch` writes, by `--format`. */
export const WATCHABLE: ReadonlyMap<string, Format & { watch: WatchFiles }> = new Map(
  FORMATS.flatMap((f) => (f.watch ? [[f.watch.as, { ...f, watch: f.watch }] as const] : [])),
);

/** What `muster-agent join` can read, in the order it tries them. */
export const PEER_READERS: readonly PeerReader[] = FORMATS.flatMap((f) => (f.read ? [f.read] : []));

/** The path of a format's file (`id`: the instance's, for a file of one instance). */
export function formatPath(format: Format, service: string, id?: string): string {
  if (format.scope === "services") return `/v1/${format.path}`;
  return `/v1/services/${service}/${format.path.replace("{id}", String(id))}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const PATTERNS = FORMATS.map((format) => {
  const file = escapeRegExp(format.path).replace(escapeRegExp("{id}"), "[^/]+");
  const pattern = format.scope === "services" ? `^/v1/${file}$` : `^/v1/services/([^/]+)/${file}$`;
  return { format, pattern: new RegExp(pattern) };
});

/**
 * The format a request path reads, and the service segment as it stands in the path (none
 * for a list across services); undefined for any other path.
 */
export function formatAt(path: string): { format: Format; service?: string } | undefined {
  for (const { format, pattern } of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return match[1] === undefined ? { format } : { format, service: match[1] };
  }
  return undefined;
}
