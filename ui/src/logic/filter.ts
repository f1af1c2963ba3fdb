import type { Instance, Status } from "../types.js";

export interface InstanceFilter {
  /** Matched, case-insensitively, against id, address, tags, metadata, source, version, ids. */
  text: string;
  /** An instance must carry it; "" for any. */
  tag: string;
  status: Status | "any";
}

export const NO_FILTER: InstanceFilter = { text: "", tag: "", status: "any" };

function haystack(i: Instance): string {
  return [
    i.id,
    i.address,
    ...i.direct_addresses,
    ...i.tags,
    ...Object.entries(i.metadata).map(([k, v]) => `${k}=${v}`),
    i.source,
    i.status,
    i.version ?? "",
    i.iroh_node_id ?? "",
    i.cluster_node_id === null ? "" : String(i.cluster_node_id),
  ]
    .join("\n")
    .toLowerCase();
}

/** Every term of the text (split on spaces) must appear somewhere in the instance. */
export function filterInstances(instances: readonly Instance[], f: InstanceFilter): Instance[] {
  const terms = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return instances.filter((i) => {
    if (f.status !== "any" && i.status !== f.status) return false;
    if (f.tag !== "" && !i.tags.includes(f.tag)) return false;
    if (terms.length === 0) return true;
    const text = haystack(i);
    return terms.every((t) => text.includes(t));
  });
}

/** Every tag the instances carry, sorted, each once. */
export function allTags(instances: readonly Instance[]): string[] {
  return [...new Set(instances.flatMap((i) => i.tags))].sort();
}
