import type { Status } from "../../model/instance.js";
import { INSTANCE_ID, SERVICE_NAME } from "../../model/names.js";
import { type Discovered, type SourceScan, sourcedFields } from "../discovered.js";

/** The `source` muster records on the instances this module makes. */
export const KUBERNETES_SOURCE = "kubernetes";
/** The label the EndpointSlice controller puts on every slice: the Service it belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** A Service annotation: the muster service its endpoints belong to (default: the Service's name). */
export const SERVICE_ANNOTATION = "muster.io/service";
/** A Service annotation: the name of the slice port to register (default: the slice's first port). */
export const PORT_ANNOTATION = "muster.io/port";

/** Metadata keys of a Kubernetes instance. */
export const K8S_METADATA = {
  namespace: "k8s_namespace",
  service: "k8s_service",
  pod: "k8s_pod",
  node: "k8s_node",
  zone: "zone",
} as const;

// The shapes read here are the parts of `discovery.k8s.io/v1` EndpointSlice and `v1` Service that
// the mapping needs; the official client's objects (and plain JSON from the API) fit them.

export interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string };
}

export interface EndpointSliceLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: { name?: string; port?: number }[] | null;
}

export interface ServiceLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

/**
 * An endpoint's health from its conditions, as the EndpointSlice API defines them: `ready`
 * unset means ready; `serving` unset defers to `ready`; `terminating` unset means not
 * terminating. A terminating endpoint is on its way out whatever else it says.
 */
export function endpointStatus(conditions: SliceEndpoint["conditions"]): Status {
  const ready = conditions?.ready ?? true;
  const serving = conditions?.serving ?? ready;
  if (conditions?.terminating === true) return "critical";
  if (ready) return "passing";
  if (serving) return "warning";
  return "critical";
}

const RANK: Record<Status, number> = { passing: 0, warning: 1, critical: 2 };

function hostOf(address: string, addressType: string | undefined): string {
  return addressType === "IPv6" || address.includes(":") ? `[${address}]` : address;
}

/** `namespace/name`, the key of a Service in the map `mapEndpointSlices` takes. */
export const serviceKey = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * Every endpoint of `slices` as an instance of the muster service its Service names: one
 * instance per endpoint (its first address, which the API says consumers may use alone), id
 * `<namespace>.<pod>` for a Pod, else the address. An endpoint that appears in two slices (the
 * controller moving it) counts once, with its healthier condition.
 */
export function mapEndpointSlices(
  slices: Iterable<EndpointSliceLike>,
  services: ReadonlyMap<string, ServiceLike>,
): SourceScan {
  const found = new Map<string, Discovered>();
  const skipped: string[] = [];
  for (const slice of slices) {
    const namespace = slice.metadata?.namespace ?? "";
    const where = `${namespace}/${slice.metadata?.name ?? "?"}`;
    const k8sService = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!k8sService) {
      skipped.push(`${where}: no ${SERVICE_NAME_LABEL} label`);
      continue;
    }
    const annotations = services.get(serviceKey(namespace, k8sService))?.metadata?.annotations;
    const service = annotations?.[SERVICE_ANNOTATION]?.trim() || k8sService;
    if (!SERVICE_NAME.test(service)) {
      skipped.push(`${where}: service name ${JSON.stringify(service)} is not a DNS label`);
      continue;
    }
    const portName = annotations?.[PORT_ANNOTATION]?.trim();
    const ports = slice.ports ?? [];
    const port = portName ? ports.find((p) => p.name === portName) : ports[0];
    if (!port?.port || !Number.isInteger(port.port) || port.port < 1 || port.port > 65535) {
      skipped.push(
        portName
          ? `${where}: no port named ${JSON.stringify(portName)} (${PORT_ANNOTATION})`
          : `${where}: no port`,
      );
      continue;
    }
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses?.[0];
      if (!address) continue;
      const ref = endpoint.targetRef;
      const pod = ref?.kind === "Pod" && ref.name ? ref.name : undefined;
      const id = pod ? `${ref?.namespace || namespace}.${pod}` : address;
      if (!INSTANCE_ID.test(id)) {
        skipped.push(`${where}: instance id ${JSON.stringify(id)} is not a muster id`);
        continue;
      }
      const metadata: Record<string, string> = {
        [K8S_METADATA.namespace]: namespace,
        [K8S_METADATA.service]: k8sService,
      };
      if (pod) metadata[K8S_METADATA.pod] = pod;
      if (endpoint.nodeName) metadata[K8S_METADATA.node] = endpoint.nodeName;
      if (endpoint.zone) metadata[K8S_METADATA.zone] = endpoint.zone;
      const fields = sourcedFields(`${hostOf(address, slice.addressType)}:${port.port}`, metadata);
      fields.status = endpointStatus(endpoint.conditions);
      const key = `${service}\u0000${id}`;
      const seen = found.get(key);
      if (seen && RANK[seen.fields.status] <= RANK[fields.status]) continue;
      found.set(key, { service, id, fields });
    }
  }
  return { instances: [...found.values()], skipped };
}
