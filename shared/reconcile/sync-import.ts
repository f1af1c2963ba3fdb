import { mapLimit } from "../map-limit.js";
import { type Instance, type InstanceFields, NODE_SOURCES } from "../model/instance.js";
import type { Discovered, SourceScan } from "../sources/discovered.js";
import { EC2_INSTANCE_METADATA } from "../sources/ec2.js";
import { contentHash } from "../store/item.js";
import { type DiscoverySource, type ReconcilerStore, sourceOwner } from "../store/store.js";
import { describeError, type SyncOutcome } from "./outcome.js";
import { instanceKey } from "./registry.js";
import { judgeDrop } from "./safety.js";

export interface ImportInput {
  source: DiscoverySource;
  /** The source's answer, or why there is none. */
  scan: PromiseSettledResult<SourceScan>;
  /** Every live instance, read at the start of the pass. */
  registry: readonly Instance[];
  /** The last accepted count and the held-pass counter, from the previous pass. */
  previous: { accepted: number; heldPasses: number } | undefined;
  store: ReconcilerStore;
  nowMs: number;
  leaseSeconds: number;
  safetyRatio: number;
  concurrency: number;
  signal?: AbortSignal;
}

export interface ImportOutcome extends SyncOutcome {
  written: number;
  removed: number;
  /** Ids held live by someone else (a node's own heartbeat): left to them. */
  conflicts: number;
}

function fieldsOf(i: Instance): InstanceFields {
  return {
    address: i.address,
    direct_addresses: i.direct_addresses,
    relay_url: i.relay_url,
    iroh_node_id: i.iroh_node_id,
    cluster_node_id: i.cluster_node_id,
    tags: i.tags,
    metadata: i.metadata,
    version: i.version,
    weight: i.weight,
    status: i.status,
  };
}

/** Content without the lease: what decides whether an instance needs writing. */
const fieldsHash = (i: Discovered["fields"]) => contentHash({ ...i, ttl: 0 });

/**
 * Brings the registry's instances of one importing source in line with its answer. Writes
 * only what is new, changed or due for renewal (past half its lease); removes what the source
 * no longer reports unless the safety rule holds removals back; renews everything it had when
 * the source failed, so that a failing source never empties a service.
 */
export async function syncImport(input: ImportInput): Promise<ImportOutcome> {
  const { source, registry, store, nowMs, leaseSeconds, signal } = input;
  const owner = sourceOwner(source);
  const mine = new Map<string, Instance>();
  const others = new Map<string, Instance>();
  /** Services whose nodes say "I am EC2 instance i-…" in their own heartbeat. */
  const selfRegistered = new Set<string>();
  for (const instance of registry) {
    const key = instanceKey(instance.service, instance.id);
    if (instance.source === source && instance.registered_by === owner) mine.set(key, instance);
    else others.set(key, instance);
    const ec2Id = instance.metadata[EC2_INSTANCE_METADATA];
    if (NODE_SOURCES.includes(instance.source) && ec2Id)
      selfRegistered.add(instanceKey(instance.service, ec2Id));
  }

  let written = 0;
  let conflicts = 0;
  const due = (instance: Instance) =>
    Date.parse(instance.expires_at) - nowMs < (leaseSeconds * 1000) / 2;
  const write = async (d: Discovered, existing: Instance | undefined) => {
    const result = await store.upsertSourced({
      service: d.service,
      id: d.id,
      fields: d.fields,
      source,
      leaseSeconds,
      registeredAtMs: existing ? Date.parse(existing.registered_at) : nowMs,
      nowMs,
    });
    if (result === "written") written++;
    else conflicts++;
  };
  const renewAll = (instances: Instance[]) =>
    mapLimit(instances.filter(due), input.concurrency, signal, (i) =>
      write({ service: i.service, id: i.id, fields: fieldsOf(i) }, i),
    );

  const accepted = input.previous?.accepted ?? mine.size;
  const heldBefore = input.previous?.heldPasses ?? 0;
  if (input.scan.status === "rejected") {
    await renewAll([...mine.values()]);
    return {
      ok: false,
      error: describeError(input.scan.reason),
      found: null,
      instances: mine.size,
      accepted,
      heldPasses: heldBefore,
      written,
      removed: 0,
      conflicts,
      skipped: [],
    };
  }

  const desired = new Map<string, Discovered>();
  let shadowed = 0;
  for (const d of input.scan.value.instances) {
    const key = instanceKey(d.service, d.id);
    if (others.has(key) || selfRegistered.has(key)) {
      // The node registers itself (or someone else holds the id): its own word wins. It
      // still counts as found: it is there, only not ours to write.
      shadowed++;
      continue;
    }
    desired.set(key, d);
  }
  const verdict = judgeDrop({
    found: desired.size + shadowed,
    accepted,
    heldPasses: heldBefore,
    ratio: input.safetyRatio,
  });

  const writes = [...desired].filter(([key, d]) => {
    const existing = mine.get(key);
    return !existing || due(existing) || fieldsHash(existing) !== fieldsHash(d.fields);
  });
  await mapLimit(writes, input.concurrency, signal, ([key, d]) => write(d, mine.get(key)));

  const gone = [...mine].filter(([key]) => !desired.has(key)).map(([, i]) => i);
  let removed = 0;
  if (verdict.accept) {
    await mapLimit(gone, input.concurrency, signal, async (i) => {
      if (await store.remove(i.service, i.id, { owner })) removed++;
    });
  } else {
    await renewAll(gone);
  }
  const after = verdict.accept ? desired.size : desired.size + gone.length;
  return {
    ok: verdict.accept,
    error: verdict.reason,
    found: input.scan.value.instances.length,
    instances: after,
    accepted: verdict.accept ? desired.size + shadowed : accepted,
    heldPasses: verdict.heldPasses,
    written,
    removed,
    conflicts: conflicts + shadowed,
    skipped: input.scan.value.skipped,
  };
}
