import type { Instance } from "../types.js";

/** An instance as the API serves it, for the logic's tests: passing, every optional field empty. */
export const inst = (id: string, o: Partial<Instance> = {}): Instance => ({
  service: "web",
  id,
  address: "10.0.0.1:80",
  direct_addresses: [],
  relay_url: null,
  iroh_node_id: null,
  cluster_node_id: null,
  tags: [],
  metadata: {},
  version: null,
  weight: 1,
  status: "passing",
  source: "heartbeat",
  registered_by: "tok_0",
  registered_at: "2026-01-01T00:00:00Z",
  last_seen: "2026-01-01T00:00:00Z",
  expires_at: "2026-01-01T00:01:00Z",
  ...o,
});
