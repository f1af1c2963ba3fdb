import { isIPv4, isIPv6 } from "node:net";
import { INSTANCE_ID, SERVICE_NAME } from "../model/names.js";
import { EC2_INSTANCE, EXPORT_MARKER, IPV4, IPV6, PORT } from "./cloudmap-attributes.js";
import type { NamespaceSnapshot } from "./cloudmap-namespace.js";
import { type Discovered, type SourceScan, sourcedFields } from "./discovered.js";
import { EC2_INSTANCE_METADATA } from "./ec2.js";

/** The heartbeat contract's metadata limits; custom attributes beyond them are left out. */
const MAX_METADATA_KEYS = 32;

/**
 * The namespace's instances as `cloudmap` instances: one muster service per Cloud Map
 * service whose name is a DNS label, address from the IPv4 (or IPv6) and port attributes,
 * custom attributes as metadata. Instances muster exported itself are not imported.
 */
export function importCloudMap(
  snapshot: NamespaceSnapshot,
  defaultPorts: ReadonlyMap<string, number>,
): SourceScan {
  const instances: Discovered[] = [];
  const skipped: string[] = [];
  for (const service of snapshot.services) {
    for (const instance of service.instances) {
      const attrs = instance.attributes;
      if (attrs[EXPORT_MARKER] !== undefined) continue;
      const where = `${service.name}/${instance.id}`;
      // `_<name>._tcp`, the SRV-style name (as muster's export names them), imports as `<name>`.
      const name = /^_([^.]+)\._tcp$/.exec(service.name)?.[1] ?? service.name;
      if (!SERVICE_NAME.test(name)) {
        skipped.push(`${where}: the service name is not a DNS label`);
        continue;
      }
      if (!INSTANCE_ID.test(instance.id)) {
        skipped.push(`${where}: the instance id has characters muster ids do not allow`);
        continue;
      }
      const v4 = attrs[IPV4];
      const v6 = attrs[IPV6];
      const host = v4 && isIPv4(v4) ? v4 : v6 && isIPv6(v6) ? `[${v6}]` : undefined;
      if (!host) {
        skipped.push(`${where}: no ${IPV4} or ${IPV6} address`);
        continue;
      }
      const portText = attrs[PORT];
      const port = portText === undefined ? defaultPorts.get(name) : Number(portText);
      if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
        skipped.push(`${where}: no usable ${PORT} and no default port for ${name}`);
        continue;
      }
      const metadata: Record<string, string> = { cloudmap_service_id: service.id };
      const ec2Id = attrs[EC2_INSTANCE];
      if (ec2Id) metadata[EC2_INSTANCE_METADATA] = ec2Id.slice(0, 512);
      for (const [key, value] of Object.entries(attrs)) {
        if (Object.keys(metadata).length >= MAX_METADATA_KEYS) break;
        if (key.startsWith("AWS_") || key.length > 64 || value.length > 512) continue;
        metadata[key] = value;
      }
      instances.push({
        service: name,
        id: instance.id,
        fields: sourcedFields(`${host}:${port}`, metadata),
      });
    }
  }
  return { instances, skipped };
}
