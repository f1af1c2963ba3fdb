import { parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";

export interface SrvRecord {
  target: string;
  port: number;
  /** 0 for passing, 1 for warning: clients try warning nodes only when no passing one answers. */
  priority: number;
  weight: number;
  /** Seconds the answer may be cached; not the instance's lease. */
  ttl: number;
}

export interface SrvAnswer {
  name: string;
  records: SrvRecord[];
}

export function srvName(service: string): string {
  return `_${service}._tcp`;
}

export function toSrv(service: string, instances: Instance[], cacheTtl: number): SrvAnswer {
  const records: SrvRecord[] = [];
  for (const i of instances) {
    // Addresses were validated on the way in; a record that no longer parses is skipped
    // rather than served malformed.
    const hp = parseHostPort(i.address);
    if (!hp) continue;
    records.push({
      target: hp.host,
      port: hp.port,
      priority: i.status === "passing" ? 0 : 1,
      weight: i.weight,
      ttl: cacheTtl,
    });
  }
  return { name: srvName(service), records };
}
