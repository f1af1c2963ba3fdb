import type { InstanceFields } from "../model/instance.js";

/** An instance a source found, before the reconciler decides what to write. */
export interface Discovered {
  service: string;
  id: string;
  fields: InstanceFields;
}

/** What one source call returned: the usable instances and why the others were left out. */
export interface SourceScan {
  instances: Discovered[];
  /** One line per instance left out (bad tag, no address...), for the logs. */
  skipped: string[];
}

/** Fields every source-made instance shares; a source fills in the address and metadata. */
export function sourcedFields(address: string, metadata: Record<string, string>): InstanceFields {
  return {
    address,
    direct_addresses: [address],
    relay_url: null,
    iroh_node_id: null,
    cluster_node_id: null,
    tags: [],
    metadata,
    version: null,
    weight: 1,
    status: "passing",
  };
}

/** More pages than this means something is wrong (or the fleet is far past what we plan for). */
export const MAX_PAGES = 1_000;

export class TooManyPagesError extends Error {
  override readonly name = "TooManyPagesError";
}
