import { formatHostPort, parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import * as z from "../validation/zod.js";
import { addressPeer, parseAt } from "./discovery-peer.js";
import { JSON_TYPE, jsonRendered, type ServiceFormat } from "./format.js";

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

/** What `join` needs of an answer: its records' targets and ports. */
const srvAnswer = z.object({
  records: z.array(
    z.object({
      target: z.string().check(z.minLength(1)),
      port: z.int().check(z.gte(1), z.lte(65535)),
    }),
  ),
});

export const srvFormat = {
  scope: "service",
  name: "srv",
  path: "srv",
  contentType: JSON_TYPE,
  hidesCritical: true,
  presign: "query",
  publicByDefault: true,
  render: ({ service, instances, cacheSeconds }) =>
    jsonRendered(toSrv(service, instances, cacheSeconds)),
  read: {
    label: "SRV answer",
    accepts: (json) => typeof json === "object" && json !== null && "records" in json,
    read(json, { location, at }) {
      return parseAt(srvAnswer, json, location).records.map((r) =>
        addressPeer(formatHostPort({ host: r.target, port: r.port }), at),
      );
    },
  },
} satisfies ServiceFormat;
