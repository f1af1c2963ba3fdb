import type { Instance, InstanceFields } from "../../shared/model/instance.js";

// Types only: unit tests import this, and must run without Java or Python (no engine set-up here).

/** What a plain heartbeat says: a passing node with every optional field empty. */
export function instanceFields(overrides: Partial<InstanceFields> = {}): InstanceFields {
  return {
    address: "10.0.0.1:7000",
    direct_addresses: [],
    relay_url: null,
    iroh_node_id: null,
    cluster_node_id: null,
    tags: [],
    metadata: {},
    version: null,
    weight: 1,
    status: "passing",
    ...overrides,
  };
}

/** An instance as the API serves it, registered by heartbeat at 2026-01-01T00:00:00Z for 60 s. */
export function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    service: "svc",
    id: "node-1",
    ...instanceFields(),
    source: "heartbeat",
    registered_by: "tok_0123456789abcdef",
    registered_at: "2026-01-01T00:00:00Z",
    last_seen: "2026-01-01T00:00:00Z",
    expires_at: "2026-01-01T00:01:00Z",
    ...overrides,
  };
}
