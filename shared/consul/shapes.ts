/**
 * Consul's JSON shapes as its HTTP API sends them (agent/structs: Node, NodeService,
 * HealthCheck, CheckServiceNode, ServiceNode) and as HashiCorp's Go client reads them (api:
 * Node, AgentService, HealthCheck, ServiceEntry, CatalogService). Go decodes a missing field as
 * its zero value, but other clients index into what they get, so every field is sent, lists and
 * maps as `[]`/`{}`, never null. Node tagged addresses are strings; service tagged addresses are
 * `{Address, Port}` objects.
 */

export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface ConsulNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface ConsulWeights {
  Passing: number;
  Warning: number;
}

/** A service as `/v1/health/service` nests it (NodeService); the Go client reads it as AgentService. */
export interface ConsulService {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses: Record<string, ServiceAddress>;
  Meta: Record<string, string>;
  Port: number;
  Weights: ConsulWeights;
  EnableTagOverride: boolean;
  Proxy: { Mode: string; MeshGateway: Record<string, never>; Expose: Record<string, never> };
  Connect: Record<string, never>;
  PeerName: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface ConsulHealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: "passing" | "warning" | "critical";
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** One element of `/v1/health/service/:name` (CheckServiceNode; the Go client's ServiceEntry). */
export interface ServiceEntry {
  Node: ConsulNode;
  Service: ConsulService;
  Checks: ConsulHealthCheck[];
}

/** One element of `/v1/catalog/service/:name` (ServiceNode; the Go client's CatalogService). */
export interface CatalogService {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  NodeMeta: Record<string, string>;
  ServiceKind: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServiceAddress: string;
  ServiceTaggedAddresses: Record<string, ServiceAddress>;
  ServiceWeights: ConsulWeights;
  ServiceMeta: Record<string, string>;
  ServicePort: number;
  ServiceSocketPath: string;
  ServiceEnableTagOverride: boolean;
  ServiceProxy: ConsulService["Proxy"];
  ServiceConnect: Record<string, never>;
  CreateIndex: number;
  ModifyIndex: number;
}
