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
    for (const [key, value] of Object.entries(i.metadata)) {
      labels[`${PREFIX}metadata_${sanitizeLabelName(key)}`] = value;
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
