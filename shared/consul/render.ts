import { isIPv4, isIPv6 } from "node:net";
import { parseHostPort } from "../model/address.js";
import type { Instance, Status } from "../model/instance.js";
import type {
  CatalogService,
  ConsulHealthCheck,
  ConsulNode,
  ConsulService,
  ServiceAddress,
  ServiceEntry,
} from "./shapes.js";

/**
 * muster's instance records in Consul's shapes. muster has no nodes: each instance appears on a
 * node named after its host (the address it registered, without the port), so Prometheus's
 * `__meta_consul_node` and `__meta_consul_address` name the machine as they do under Consul.
 */

/** One Consul check of an instance, as muster keeps it beside the instance. */
export interface ConsulCheckState {
  checkId: string;
  name: string;
  status: Status;
  notes: string;
  output: string;
}

/** An instance with what only Consul's view of it needs. */
export interface ConsulView {
  instance: Instance;
  /** The instance's checks; by default the one check of a muster instance, `service:<id>`. */
  checks?: ConsulCheckState[];
  /** Raft-like indexes; they must not move when nothing a reader sees has changed. */
  createIndex: number;
  modifyIndex: number;
  /** Warning weight (Passing is the instance's weight); 1 by default, as Consul's. */
  warningWeight?: number;
  taggedAddresses?: Record<string, { address: string; port: number }>;
}

export interface RenderContext {
  datacenter: string;
}

/** The one check every muster instance has, for instances registered through muster's own API. */
export function defaultChecks(instance: Instance): ConsulCheckState[] {
  return [
    {
      checkId: `service:${instance.id}`,
      name: `Service '${instance.service}' check`,
      status: instance.status,
      notes: "",
      output: "",
    },
  ];
}

/** The worst status of a list of checks (critical > warning > passing), passing for none. */
export function aggregateStatus(checks: readonly { status: Status }[]): Status {
  if (checks.some((c) => c.status === "critical")) return "critical";
  if (checks.some((c) => c.status === "warning")) return "warning";
  return "passing";
}

export function splitAddress(address: string): { host: string; port: number } {
  return parseHostPort(address) ?? { host: address, port: 0 };
}

/** The `lan`/`wan` address tags a Consul agent gives a node of this address. */
function nodeTaggedAddresses(host: string): Record<string, string> {
  const tags: Record<string, string> = { lan: host, wan: host };
  if (isIPv4(host)) Object.assign(tags, { lan_ipv4: host, wan_ipv4: host });
  if (isIPv6(host)) Object.assign(tags, { lan_ipv6: host, wan_ipv6: host });
  return tags;
}

/** The tags a Consul agent adds to a service at an IP address, under the registered ones. */
function serviceTaggedAddresses(view: ConsulView): Record<string, ServiceAddress> {
  const { host, port } = splitAddress(view.instance.address);
  const tags: Record<string, ServiceAddress> = {};
  if (isIPv4(host)) {
    tags.lan_ipv4 = { Address: host, Port: port };
    tags.wan_ipv4 = { Address: host, Port: port };
  }
  if (isIPv6(host)) {
    tags.lan_ipv6 = { Address: host, Port: port };
    tags.wan_ipv6 = { Address: host, Port: port };
  }
  for (const [tag, a] of Object.entries(view.taggedAddresses ?? {})) {
    tags[tag] = { Address: a.address, Port: a.port };
  }
  return tags;
}

export function renderNode(view: ConsulView, ctx: RenderContext): ConsulNode {
  const { host } = splitAddress(view.instance.address);
  return {
    ID: "",
    Node: host,
    Address: host,
    Datacenter: ctx.datacenter,
    TaggedAddresses: nodeTaggedAddresses(host),
    Meta: {},
    CreateIndex: view.createIndex,
    ModifyIndex: view.modifyIndex,
  };
}

export function renderService(view: ConsulView): ConsulService {
  const { instance } = view;
  const { host, port } = splitAddress(instance.address);
  return {
    ID: instance.id,
    Service: instance.service,
    Tags: [...instance.tags],
    Address: host,
    TaggedAddresses: serviceTaggedAddresses(view),
    Meta: { ...instance.metadata },
    Port: port,
    Weights: { Passing: instance.weight, Warning: view.warningWeight ?? 1 },
    EnableTagOverride: false,
    Proxy: { Mode: "", MeshGateway: {}, Expose: {} },
    Connect: {},
    PeerName: "",
    CreateIndex: view.createIndex,
    ModifyIndex: view.modifyIndex,
  };
}

export function renderChecks(view: ConsulView): ConsulHealthCheck[] {
  const { instance } = view;
  const node = splitAddress(instance.address).host;
  return (view.checks ?? defaultChecks(instance)).map((c) => ({
    Node: node,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: instance.id,
    ServiceName: instance.service,
    ServiceTags: [...instance.tags],
    Type: "ttl",
    Interval: "",
    Timeout: "",
    ExposedPort: 0,
    Definition: {},
    CreateIndex: view.createIndex,
    ModifyIndex: view.modifyIndex,
  }));
}

/** An element of `GET /v1/health/service/:name`. */
export function serviceEntry(view: ConsulView, ctx: RenderContext): ServiceEntry {
  return {
    Node: renderNode(view, ctx),
    Service: renderService(view),
    Checks: renderChecks(view),
  };
}

/** An element of `GET /v1/catalog/service/:name`. */
export function catalogService(view: ConsulView, ctx: RenderContext): CatalogService {
  const node = renderNode(view, ctx);
  const service = renderService(view);
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: "",
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    ServiceAddress: service.Address,
    ServiceTaggedAddresses: service.TaggedAddresses,
    ServiceWeights: service.Weights,
    ServiceMeta: service.Meta,
    ServicePort: service.Port,
    ServiceSocketPath: "",
    ServiceEnableTagOverride: false,
    ServiceProxy: service.Proxy,
    ServiceConnect: {},
    CreateIndex: view.createIndex,
    ModifyIndex: view.modifyIndex,
  };
}

/**
 * `GET /v1/catalog/services`: every service with the union of its instances' tags (sorted,
 * without repeats; `[]` for none).
 */
export function catalogServices(
  instances: Iterable<Pick<Instance, "service" | "tags">>,
): Record<string, string[]> {
  const tags = new Map<string, Set<string>>();
  for (const { service, tags: own } of instances) {
    const set = tags.get(service) ?? new Set<string>();
    for (const t of own) set.add(t);
    tags.set(service, set);
  }
  const out: Record<string, string[]> = {};
  for (const name of [...tags.keys()].sort()) out[name] = [...(tags.get(name) ?? [])].sort();
  return out;
}
