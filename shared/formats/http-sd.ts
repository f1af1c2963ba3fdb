import type { Instance } from "../model/instance.js";
import { JSON_TYPE, jsonRendered, type ServicesFormat } from "./format.js";

/** One target group of Prometheus's HTTP service discovery (`http_sd_configs`). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const PREFIX = "__meta_muster_";

/** Prometheus's own rule (strutil.SanitizeLabelName): anything outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/**
 * Metadata keys as label names. Keys that sanitise to the same name (`a.b`, `a-b` and `a_b`
 * all become `a_b`) cannot all be labels; which one is kept is decided, not left to the order
 * of the map: the key that needs no sanitising, else the first in code-unit order (`a-b`
 * before `a.b`). The others are left out of the labels (their values stay in every other
 * format). Prometheus's own Consul discovery keeps whichever Go's map order gives last.
 */
export function metadataLabels(metadata: Record<string, string>): [string, string][] {
  const byName = new Map<string, [string, string]>();
  const keys = Object.keys(metadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const name = sanitizeLabelName(key);
    const held = byName.get(name);
    // An exact name wins over any key that only sanitises to it; otherwise the first stays.
    if (held === undefined || (key === name && held[0] !== name)) {
      byName.set(name, [key, metadata[key] as string]);
    }
  }
  return [...byName.entries()].map(([name, [, value]]) => [name, value]);
}

/**
 * One group per instance, so each target carries its own labels. Every live instance is
 * listed, critical ones too: `__meta_muster_status` lets a relabel rule keep or drop them, and
 * a critical node is exactly the one an operator wants to scrape. Tags are joined as Consul's
 * discovery joins them, `,a,b,`, so a regex need not care where a tag sits.
 */
export function toTargetGroups(instances: readonly Instance[]): TargetGroup[] {
  return instances.map((i) => {
    const labels: Record<string, string> = {
      [`${PREFIX}service`]: i.service,
      [`${PREFIX}id`]: i.id,
      [`${PREFIX}status`]: i.status,
      [`${PREFIX}source`]: i.source,
    };
    if (i.tags.length > 0) labels[`${PREFIX}tags`] = `,${i.tags.join(",")},`;
    for (const [name, value] of metadataLabels(i.metadata)) {
      labels[`${PREFIX}metadata_${name}`] = value;
    }
    return { targets: [i.address], labels };
  });
}

/** Every live instance the caller may read, critical ones too (see above). */
export const httpSdFormat = {
  scope: "services",
  name: "http_sd",
  path: "http_sd",
  contentType: JSON_TYPE,
  publicByDefault: true,
  render: (instances) => jsonRendered(toTargetGroups(instances)),
} satisfies ServicesFormat;
