import {
  GetNamespaceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  type ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { mapLimit } from "../map-limit.js";
import { Env } from "../settings/names.js";
import { MAX_PAGES, TooManyPagesError } from "./discovered.js";

export interface CloudMapNamespace {
  id: string;
  name: string;
  /** `DNS_PRIVATE`, `DNS_PUBLIC` or `HTTP`. */
  type: string;
}

export interface CloudMapInstance {
  id: string;
  attributes: Record<string, string>;
}

export interface CloudMapService {
  id: string;
  name: string;
  instances: CloudMapInstance[];
}

/** Everything registered in one namespace, read once a pass and shared by import and export. */
export interface NamespaceSnapshot {
  namespace: CloudMapNamespace;
  services: CloudMapService[];
}

/** Cloud Map namespace ids look like `ns-` and lowercase letters and digits. */
const NAMESPACE_ID = /^ns-[a-z0-9]+$/;

async function pages<T>(
  what: string,
  fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetch(token);
    all.push(...items);
    if (!next) return all;
    token = next;
  }
  throw new TooManyPagesError(`${what} returned more than ${MAX_PAGES} pages`);
}

/** The namespace `idOrName` names: GetNamespace for an id, ListNamespaces for a name. */
export async function resolveNamespace(
  client: ServiceDiscoveryClient,
  idOrName: string,
  signal?: AbortSignal,
): Promise<CloudMapNamespace> {
  if (NAMESPACE_ID.test(idOrName)) {
    const out = await client.send(new GetNamespaceCommand({ Id: idOrName }), {
      abortSignal: signal,
    });
    const ns = out.Namespace;
    if (!ns?.Id || !ns.Name) throw new Error(`GetNamespace ${idOrName} returned no namespace`);
    return { id: ns.Id, name: ns.Name, type: ns.Type ?? "HTTP" };
  }
  const all = await pages("ListNamespaces", async (token) => {
    const out = await client.send(
      new ListNamespacesCommand({
        NextToken: token,
        Filters: [{ Name: "NAME", Values: [idOrName], Condition: "EQ" }],
      }),
      { abortSignal: signal },
    );
    return { items: out.Namespaces ?? [], next: out.NextToken };
  });
  // Filtered here as well: the filter is a request, and not every implementation honours it.
  const matches = all.filter((ns) => ns.Name === idOrName && ns.Id);
  if (matches.length === 0) throw new Error(`no Cloud Map namespace named ${idOrName}`);
  if (matches.length > 1) {
    throw new Error(
      `${matches.length} Cloud Map namespaces are named ${idOrName}; set ${Env.MUSTER_CLOUDMAP_NAMESPACE} to the id of one`,
    );
  }
  const ns = matches[0] as (typeof matches)[number];
  return { id: ns.Id as string, name: idOrName, type: ns.Type ?? "HTTP" };
}

/**
 * Every service of the namespace and every instance of each, all pages. Cloud Map replaces an
 * instance registered again under its id; should a listing show an id twice anyway, the last
 * one counts.
 */
export async function snapshotNamespace(
  client: ServiceDiscoveryClient,
  namespace: CloudMapNamespace,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<NamespaceSnapshot> {
  const { signal } = options;
  const summaries = await pages("ListServices", async (token) => {
    const out = await client.send(
      new ListServicesCommand({
        NextToken: token,
        Filters: [{ Name: "NAMESPACE_ID", Values: [namespace.id], Condition: "EQ" }],
      }),
      { abortSignal: signal },
    );
    return { items: out.Services ?? [], next: out.NextToken };
  });
  const listed = await mapLimit(summaries, options.concurrency ?? 4, signal, async (summary) => {
    if (!summary.Id || !summary.Name) return undefined;
    const serviceId = summary.Id;
    const raw = await pages(`ListInstances ${summary.Name}`, async (token) => {
      const out = await client.send(
        new ListInstancesCommand({ ServiceId: serviceId, NextToken: token, MaxResults: 100 }),
        { abortSignal: signal },
      );
      return { items: out.Instances ?? [], next: out.NextToken };
    });
    const byId = new Map<string, CloudMapInstance>();
    for (const instance of raw) {
      if (instance.Id)
        byId.set(instance.Id, { id: instance.Id, attributes: instance.Attributes ?? {} });
    }
    return { id: serviceId, name: summary.Name, instances: [...byId.values()] };
  });
  // An aborted pass leaves services unlisted; half a picture would read as "instances gone".
  if (signal?.aborted) throw new Error("the pass ran out of time while listing Cloud Map");
  return {
    namespace,
    services: listed.filter((s): s is CloudMapService => s !== undefined),
  };
}
