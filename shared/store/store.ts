import type { Instance, InstanceFields, Source } from "../model/instance.js";

/** What the HTTP app needs from a store. `DynamoStore` is the one implementation. */
export interface Store {
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  deregister(service: string, id: string, owner: string, nowMs: number): Promise<DeregisterResult>;
  get(service: string, id: string, nowMs: number): Promise<Instance | undefined>;
  /** Every live instance of a service, ordered by id. */
  list(service: string, nowMs: number): Promise<Instance[]>;
  /**
   * One page of a service's live instances, for `GET /instances?limit=&cursor=`: at most
   * `limit`, and a cursor for the next page while there may be more. The cursor is opaque and
   * the store's own; a walk from no cursor to none sees every instance that stayed live
   * throughout exactly once. Pages follow the store's order, not a global order by id.
   * Throws InvalidCursorError for a cursor it did not make.
   */
  listPage(service: string, nowMs: number, page: PageRequest): Promise<InstancePage>;
  /** Services with at least one live instance, ordered by name. */
  services(nowMs: number): Promise<ServiceSummary[]>;
  /** Resolves when the store answers; throws `StoreUnavailableError` when it does not. */
  ping(): Promise<void>;
  /**
   * Who holds each live instance of a service, read consistently: the caps
   * (shared/http/quotas.ts) count by it, on creations only, never on a renewal.
   */
  liveRegistrations(service: string, nowMs: number): Promise<LiveRegistration[]>;
  /**
   * Undoes a creation the caps refused: deletes the item only while it is still the one that
   * heartbeat wrote (same owner, same last_seen). False when it was already replaced.
   */
  withdraw(service: string, id: string, owner: string, lastSeenMs: number): Promise<boolean>;

  // The reconciler's side. Heartbeats never go through these.

  /** Every service ever catalogued, live instances or not, ordered by name. */
  serviceNames(): Promise<string[]>;
  /**
   * Writes an instance a discovery source found. Refused ("conflict") while the id is held,
   * live, by another owner: a source never takes over a node's own registration.
   */
  upsertSourced(input: SourcedInput): Promise<"written" | "conflict">;
  /**
   * Removes an instance whoever registered it, provided it still matches `expect`; false
   * when it did not (gone, or replaced in the meantime).
   */
  remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean>;
  /** What each reconciler source did last; kept in the table so Lambda invocations share it. */
  reconcileStates(): Promise<ReconcileState[]>;
  putReconcileState(state: ReconcileState): Promise<void>;
}

/**
 * A heartbeat may come again after ttl/10 (the floor): the table's conditional write and the
 * app's in-process flood guard both use it.
 */
export const FLOOR_FRACTION = 0.1;

/** A source that is not a heartbeat: its instances are written by the reconciler. */
export type DiscoverySource = Exclude<Source, "heartbeat">;

/**
 * Owner of the instances a source writes. Token fingerprints look like `tok_<16 hex>`, so no
 * token can equal it: a heartbeat for a source-owned id is answered 409, its DELETE 403.
 */
export function sourceOwner(source: DiscoverySource): string {
  return `source:${source}`;
}

export interface SourcedInput {
  service: string;
  id: string;
  fields: InstanceFields;
  source: DiscoverySource;
  /** Seconds from nowMs. A few reconcile intervals, so a dead reconciler's instances expire. */
  leaseSeconds: number;
  /** Kept from the instance this one renews; nowMs for a new one. */
  registeredAtMs: number;
  nowMs: number;
}

export interface RemoveExpectation {
  /** Only if this owner still holds it. */
  owner?: string;
  /** Only if these metadata entries are still there (the same node, not a new one on its id). */
  metadata?: Record<string, string>;
}

/**
 * One reconciler source's state between passes (`pk = reconcile`, `sk = name`). Times are
 * epoch ms.
 */
export interface ReconcileState {
  /** `ec2`, `cloudmap` (import) or `cloudmap-export`. */
  name: string;
  enabled: boolean;
  last_run: number | null;
  next_run: number | null;
  ok: boolean | null;
  error: string | null;
  /** What the source returned on its last successful call; null when it failed. */
  found: number | null;
  /** What the registry (or, for the export, Cloud Map) holds from this source after the pass. */
  instances: number;
  /** The count the safety rule compares the next answer with: the last one it accepted. */
  accepted: number;
  /** Consecutive passes a sharp drop has been held back; 0 when none is. */
  held_passes: number;
}

export interface HeartbeatInput {
  service: string;
  id: string;
  fields: InstanceFields;
  ttl: number;
  /** Fingerprint of the caller's credential; an instance belongs to one owner while it lives. */
  owner: string;
  source: Source;
  nowMs: number;
}

export type HeartbeatResult =
  | { kind: "created" | "renewed"; expiresAt: number }
  | { kind: "conflict" }
  | { kind: "too_soon"; retryAfterSeconds: number };

/** One live instance as the caps see it. */
export interface LiveRegistration {
  service: string;
  id: string;
  owner: string;
}

export type DeregisterResult = "deleted" | "absent" | "forbidden";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface InstancePage {
  instances: Instance[];
  /** Undefined when the walk is over. */
  cursor: string | undefined;
}

/** A page cursor that this store did not hand out (or that was altered). */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
}

export interface ServiceSummary {
  name: string;
  instances: number;
  passing: number;
}

/** The store did not answer (down, unreachable, throttled); the caller may try again later. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
