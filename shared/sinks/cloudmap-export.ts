import { createHash } from "node:crypto";
import { isIPv4 } from "node:net";
import {
  CreateServiceCommand,
  DeregisterInstanceCommand,
  RegisterInstanceCommand,
  type ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { mapLimit } from "../map-limit.js";
import { parseHostPort } from "../model/address.js";
import type { Instance } from "../model/instance.js";
import { irohLabel } from "../model/iroh-base32.js";
import { EXPORT_MARKER, IPV4, MUSTER_ID, PORT } from "../sources/cloudmap-attributes.js";
import type { NamespaceSnapshot } from "../sources/cloudmap-namespace.js";

/** How long resolvers may cache the records Cloud Map makes: short, nodes come and go. */
export const DNS_TTL_SECONDS = 10;

export interface Registration {
  /** The Cloud Map service's name (exportServiceName). */
  service: string;
  id: string;
  attributes: Record<string, string>;
  /** False when it replaces one of ours whose attributes changed. */
  isNew: boolean;
}

export interface Deregistration {
  service: string;
  serviceId: string;
  id: string;
}

/** What the export has to change in Cloud Map; everything else is left as it is. */
export interface ExportPlan {
  /** Services to create before registering into them. */
  create: string[];
  register: Registration[];
  deregister: Deregistration[];
  /** Instances that should be in Cloud Map after the pass. */
  desired: number;
  /** Instances Cloud Map holds from muster before the pass. */
  current: number;
  skipped: string[];
}

/**
 * Cloud Map instance ids are at most 64 characters, muster's 128: a longer id is cut and made
 * unique again with a hash of the whole.
 */
export function cloudMapId(id: string): string {
  if (id.length <= 64) return id;
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 16);
  return `${id.slice(0, 47)}-${hash}`;
}

/**
 * The Cloud Map instance id of an instance: a Blixard (Iroh) node's NodeId in base32, so that
 * the SRV targets Route 53 makes, `<instance id>.<service>.<namespace>`, carry it as their
 * first label, where Blixard's DNS discovery reads it; any other instance's own id.
 */
export function exportId(instance: Instance): string {
  return irohLabel(instance) ?? cloudMapId(instance.id);
}

/**
 * The Cloud Map service a muster service is exported into. In a DNS namespace, Cloud Map names
 * the SRV record it makes `<service name>.<namespace>`, so the service is named `_<service>._tcp`
 * and a Route 53 private zone answers `_<service>._tcp.<namespace>` SRV as RFC 2782 spells it
 * (the A records are then `<id>._<service>._tcp.<namespace>`, the SRV targets). An HTTP
 * namespace has no DNS: the service keeps its own name there.
 */
export function exportServiceName(service: string, namespaceType: string): string {
  return namespaceType.startsWith("DNS") ? `_${service}._tcp` : service;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Compares the heartbeat instances that should be exported with what the namespace holds.
 * Critical instances are not exported (the peer lists leave them out too), nor addresses a
 * Cloud Map A record cannot carry (DNS names, IPv6).
 */
export function planExport(
  heartbeats: readonly Instance[],
  snapshot: NamespaceSnapshot,
): ExportPlan {
  const services = new Map(snapshot.services.map((s) => [s.name, s]));
  const present = new Map(
    snapshot.services.flatMap((s) =>
      s.instances.map((i) => [`${s.name}\u0000${i.id}`, i] as const),
    ),
  );
  const skipped: string[] = [];
  const desired = new Map<string, Registration>();
  const nameOf = (service: string) => exportServiceName(service, snapshot.namespace.type);
  for (const instance of heartbeats) {
    if (instance.source !== "heartbeat" || instance.status === "critical") continue;
    const address = parseHostPort(instance.address);
    if (!address || !isIPv4(address.host)) {
      skipped.push(
        `${instance.service}/${instance.id}: ${instance.address} is not an IPv4 address`,
      );
      continue;
    }
    const id = exportId(instance);
    const attributes: Record<string, string> = {
      [IPV4]: address.host,
      [PORT]: String(address.port),
      [EXPORT_MARKER]: "heartbeat",
    };
    if (id !== instance.id) attributes[MUSTER_ID] = instance.id;
    const service = nameOf(instance.service);
    const existing = present.get(`${service}\u0000${id}`);
    const twin = desired.get(`${service}\u0000${id}`);
    if (twin) {
      // Two live registrations of one NodeId (a node re-registered under a new id while the
      // old lease runs): the first is exported.
      const first = twin.attributes[MUSTER_ID] ?? twin.id;
      skipped.push(`${service}/${id}: ${instance.id} has the NodeId of ${first}, exported once`);
      continue;
    }
    if (existing && existing.attributes[EXPORT_MARKER] === undefined) {
      // Someone else registered this id; overwriting it would take their instance away.
      skipped.push(`${service}/${id}: Cloud Map has an instance of that id not made by muster`);
      continue;
    }
    desired.set(`${service}\u0000${id}`, {
      service,
      id,
      attributes,
      isNew: existing === undefined,
    });
  }

  const register: Registration[] = [];
  const create = new Set<string>();
  for (const registration of desired.values()) {
    const service = services.get(registration.service);
    if (!service) create.add(registration.service);
    const existing = present.get(`${registration.service}\u0000${registration.id}`);
    if (!existing || !sameAttributes(existing.attributes, registration.attributes)) {
      register.push(registration);
    }
  }
  const deregister: Deregistration[] = [];
  let current = 0;
  for (const service of snapshot.services) {
    for (const instance of service.instances) {
      if (instance.attributes[EXPORT_MARKER] === undefined) continue;
      current++;
      if (!desired.has(`${service.name}\u0000${instance.id}`)) {
        deregister.push({ service: service.name, serviceId: service.id, id: instance.id });
      }
    }
  }
  return { create: [...create], register, deregister, desired: desired.size, current, skipped };
}

export interface ExportResult {
  created: number;
  registered: number;
  /** Of `registered`, those that were not in Cloud Map before. */
  added: number;
  deregistered: number;
  /** One message per failed call; the calls that succeeded stand. */
  failures: string[];
}

function message(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}

/**
 * Carries out a plan: creates missing services (with SRV and A records in a DNS namespace,
 * so `<service>.<namespace>` answers both), registers new or changed instances and, when
 * `deregister` allows it, removes the ones that expired. Only the calls the plan lists are made.
 */
export async function applyExport(
  client: ServiceDiscoveryClient,
  snapshot: NamespaceSnapshot,
  plan: ExportPlan,
  options: { deregister: boolean; signal?: AbortSignal; concurrency?: number },
): Promise<ExportResult> {
  const { signal } = options;
  const concurrency = options.concurrency ?? 4;
  const failures: string[] = [];
  const serviceIds = new Map(snapshot.services.map((s) => [s.name, s.id]));
  const dns = snapshot.namespace.type.startsWith("DNS");
  let created = 0;
  await mapLimit(plan.create, concurrency, signal, async (name) => {
    try {
      const out = await client.send(
        new CreateServiceCommand({
          Name: name,
          NamespaceId: snapshot.namespace.id,
          Description: "Exported by muster from heartbeat registrations",
          ...(dns
            ? {
                DnsConfig: {
                  RoutingPolicy: "MULTIVALUE",
                  DnsRecords: [
                    { Type: "SRV", TTL: DNS_TTL_SECONDS },
                    { Type: "A", TTL: DNS_TTL_SECONDS },
                  ],
                },
              }
            : {}),
        }),
        { abortSignal: signal },
      );
      if (out.Service?.Id) {
        serviceIds.set(name, out.Service.Id);
        created++;
      }
    } catch (err) {
      // Created by someone else since the snapshot: use theirs.
      const existing = (err as { name?: string; ServiceId?: string }).ServiceId;
      if ((err as { name?: string }).name === "ServiceAlreadyExists" && existing) {
        serviceIds.set(name, existing);
      } else {
        failures.push(`CreateService ${name}: ${message(err)}`);
      }
    }
  });

  let registered = 0;
  let added = 0;
  await mapLimit(plan.register, concurrency, signal, async (r) => {
    const serviceId = serviceIds.get(r.service);
    if (!serviceId) return; // Its CreateService failed and is already reported.
    try {
      await client.send(
        new RegisterInstanceCommand({
          ServiceId: serviceId,
          InstanceId: r.id,
          Attributes: r.attributes,
        }),
        { abortSignal: signal },
      );
      registered++;
      if (r.isNew) added++;
    } catch (err) {
      failures.push(`RegisterInstance ${r.service}/${r.id}: ${message(err)}`);
    }
  });

  let deregistered = 0;
  if (options.deregister) {
    await mapLimit(plan.deregister, concurrency, signal, async (d) => {
      try {
        await client.send(
          new DeregisterInstanceCommand({ ServiceId: d.serviceId, InstanceId: d.id }),
          {
            abortSignal: signal,
          },
        );
        deregistered++;
      } catch (err) {
        // Already gone is what we wanted.
        if ((err as { name?: string }).name === "InstanceNotFound") deregistered++;
        else failures.push(`DeregisterInstance ${d.service}/${d.id}: ${message(err)}`);
      }
    });
  }
  return { created, registered, added, deregistered, failures };
}
