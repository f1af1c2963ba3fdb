import { allows } from "../auth/scopes.js";
import type { Quotas } from "../http/quotas.js";
import { formatHostPort } from "../model/address.js";
import type { InstanceFields, Status } from "../model/instance.js";
import type { Principal } from "../model/principal.js";
import { checkAt, type StoredCheck, worstStatus } from "../store/checks.js";
import type { InstanceRecord } from "../store/item.js";
import type { RegistryStore } from "../store/store.js";
import { type AliasBook, checkAlias, serviceAlias, type Target } from "./aliases.js";
import { leaseEnd, registeredChecks, repeatsLastUpdate, updatedCheck } from "./check-state.js";
import {
  badRequest,
  ConsulError,
  permissionDenied,
  unknownCheck,
  unknownService,
} from "./errors.js";
import type { ConsulRegistration } from "./registration.js";

/**
 * The agent endpoints' writes over muster's store: a registration is a muster instance of
 * source `consul`, owned by the token (same scopes, same caps of ownership), its TTL checks
 * kept beside it. Every write reads the instance first and writes only over what it read.
 */
export interface ConsulWriter {
  store: RegistryStore;
  aliases: AliasBook;
  now: () => number;
  /** The live-instance caps, as for heartbeats; undefined: none. */
  quotas?: Pick<Quotas, "admitCreation"> | undefined;
}

/** The most a registration's weight may be: muster's weight range. */
export const WEIGHT_MAX = 1000;
const ATTEMPTS = 5;

function mayWrite(principal: Principal | undefined, service: string): Principal {
  if (!principal || !allows(principal, "write", service)) {
    throw permissionDenied(principal, "service:write", service);
  }
  return principal;
}

/** What muster needs of a registration beyond what Consul checks (docs/consul.md). */
function musterFields(reg: ConsulRegistration, status: Status): InstanceFields {
  if (reg.address === "") {
    throw badRequest(
      "Invalid service address: Address is required here: a registry has no node address to use " +
        "(run `muster-agent consul` on the node, which gives its own; docs/consul.md)",
    );
  }
  if (reg.port < 1) {
    throw badRequest(
      "Invalid service port: Port is required here (1-65535): a muster instance is host:port",
    );
  }
  if (reg.weights.passing > WEIGHT_MAX) {
    throw badRequest(
      `Invalid Weights: Passing must be at most ${WEIGHT_MAX} here (muster's weight)`,
    );
  }
  return {
    address: formatHostPort({ host: reg.address, port: reg.port }),
    direct_addresses: [],
    relay_url: null,
    iroh_node_id: null,
    cluster_node_id: null,
    tags: reg.tags,
    metadata: reg.meta,
    version: null,
    weight: reg.weights.passing,
    status,
  };
}

function fieldsOf(record: InstanceRecord, status: Status): InstanceFields {
  return {
    address: record.address,
    direct_addresses: record.direct_addresses ?? [],
    relay_url: record.relay_url ?? null,
    iroh_node_id: record.iroh_node_id ?? null,
    cluster_node_id: record.cluster_node_id ?? null,
    tags: record.tags ?? [],
    metadata: record.metadata ?? {},
    version: record.version ?? null,
    weight: record.weight ?? 1,
    status,
  };
}

/** `PUT /v1/agent/service/register`. */
export async function register(
  w: ConsulWriter,
  principal: Principal | undefined,
  reg: ConsulRegistration,
  replaceExistingChecks: boolean,
): Promise<void> {
  if (reg.checks.length === 0) {
    throw badRequest(
      "Invalid check: muster needs a TTL check (Check.TTL) to know the instance is alive: a " +
        "registry has no agent to stand for it (or run `muster-agent consul` on the node; docs/consul.md)",
    );
  }
  musterFields(reg, "passing");
  // Refusals in muster's order: what is wrong with the request (400) before who may not (403).
  const allowed = mayWrite(principal, reg.name);
  const owner = allowed.fingerprint;
  const nowMs = w.now();
  // The same ID under another name replaces that service, as on Consul's agent.
  const before = await w.aliases.find(owner, serviceAlias(reg.id), nowMs, true);
  if (before && before.service !== reg.name) {
    await w.store.deregister(before.service, before.id, owner, nowMs);
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = w.now();
    const current = await w.store.record(reg.name, reg.id, now);
    if (current && current.owner !== owner) {
      throw permissionDenied(
        principal,
        "service:write",
        reg.name,
        `service ID "${reg.id}" is registered with another token`,
      );
    }
    const checks = registeredChecks(reg.checks, current?.checks ?? [], replaceExistingChecks, now);
    const status = worstStatus(checks.map((c) => checkAt(c, now)));
    const written = await w.store.putChecked({
      service: reg.name,
      id: reg.id,
      fields: musterFields(reg, status),
      checks,
      owner,
      source: "consul",
      leaseEndMs: leaseEnd(checks, now),
      registeredAtMs: current?.registered_at ?? now,
      expect: current && { lastSeenMs: current.last_seen },
      raisesIndex: true,
      nowMs: now,
    });
    if (written === "written") {
      if (!current && w.quotas) {
        // A refused creation is undone by the caps, as a heartbeat's.
        const check = await w.quotas.admitCreation({
          service: reg.name,
          id: reg.id,
          principal: allowed,
          lastSeenMs: now,
        });
        if (!check.ok) {
          throw permissionDenied(
            principal,
            "service:write",
            reg.name,
            `the cap of ${check.limit} live instances (${check.cap}) is reached`,
          );
        }
      }
      const target = { service: reg.name, id: reg.id };
      await w.aliases.put(owner, serviceAlias(reg.id), target, now);
      for (const c of checks) await w.aliases.put(owner, checkAlias(c.check_id), target, now);
      return;
    }
  }
  throw new ConsulError(503, "the instance kept changing while it was registered; try again", {
    "Retry-After": "1",
  });
}

/** `PUT /v1/agent/service/deregister/:id`: 404 when the token holds no service of that ID. */
export async function deregister(
  w: ConsulWriter,
  principal: Principal | undefined,
  serviceId: string,
): Promise<void> {
  if (!principal) throw permissionDenied(principal, "service:write", serviceId);
  const owner = principal.fingerprint;
  const nowMs = w.now();
  const target = await w.aliases.find(owner, serviceAlias(serviceId), nowMs, true);
  if (!target) throw unknownService(serviceId);
  mayWrite(principal, target.service);
  const record = await w.store.record(target.service, target.id, nowMs);
  const result = await w.store.deregister(target.service, target.id, owner, nowMs);
  if (result === "forbidden") {
    throw permissionDenied(
      principal,
      "service:write",
      target.service,
      `service ID "${serviceId}" is registered with another token`,
    );
  }
  for (const c of record?.checks ?? []) await w.aliases.remove(owner, checkAlias(c.check_id));
  await w.aliases.remove(owner, serviceAlias(serviceId));
  if (result === "absent") throw unknownService(serviceId);
}

/** The instance a check ID names for this owner, and the check: undefined when none. */
async function findCheck(
  w: ConsulWriter,
  owner: string,
  checkId: string,
  nowMs: number,
): Promise<{ target: Target; record: InstanceRecord; check: StoredCheck } | undefined> {
  for (const fresh of [false, true]) {
    const target = await w.aliases.find(owner, checkAlias(checkId), nowMs, fresh);
    if (!target) return undefined;
    const record = await w.store.record(target.service, target.id, nowMs);
    const check =
      record?.owner === owner ? record.checks?.find((c) => c.check_id === checkId) : undefined;
    if (record && check) return { target, record, check };
  }
  return undefined;
}

/**
 * `PUT /v1/agent/check/update/:id` and `/v1/agent/check/{pass,warn,fail}/:id`. An unknown
 * check is Consul's 404 (clients re-register on it); an update that repeats the last one
 * within a tenth of the TTL is answered without a write (repeatsLastUpdate).
 */
export async function updateCheck(
  w: ConsulWriter,
  principal: Principal | undefined,
  checkId: string,
  status: Status,
  output: string,
): Promise<void> {
  if (!principal) throw permissionDenied(principal, "service:write", checkId);
  const owner = principal.fingerprint;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const nowMs = w.now();
    const found = await findCheck(w, owner, checkId, nowMs);
    if (!found) throw unknownCheck(checkId);
    const { target, record, check } = found;
    mayWrite(principal, target.service);
    if (repeatsLastUpdate(check, status, output, nowMs)) return;
    const checks = (record.checks ?? []).map((c) =>
      c.check_id === checkId ? updatedCheck(c, status, output, nowMs) : checkAt(c, nowMs),
    );
    const aggregate = worstStatus(checks);
    const written = await w.store.putChecked({
      service: target.service,
      id: target.id,
      fields: fieldsOf(record, aggregate),
      checks,
      owner,
      source: "consul",
      leaseEndMs: leaseEnd(checks, nowMs),
      registeredAtMs: record.registered_at,
      expect: { lastSeenMs: record.last_seen },
      // Pollers (Lambda) look at the index alone: whatever a check update changes is raised
      // there at once, so a client reading right after its own update sees it.
      raisesIndex: true,
      nowMs,
    });
    if (written === "written") return;
  }
  throw new ConsulError(503, "the check kept changing while it was updated; try again", {
    "Retry-After": "1",
  });
}
