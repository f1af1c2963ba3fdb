import type { Instance, InstanceFields, Source } from "../model/instance.js";
import type { Role } from "../model/principal.js";
import type { StoredCheck } from "./checks.js";
import type { DamagedRecordListener } from "./decode-record.js";
import type { InstanceRecord } from "./item.js";

/**
 * The store's ports: what muster asks of a storage engine, in no engine's terms. Each engine
 * lives in its own folder (`dynamodb/`, `sqlite/`) and implements these; `open-store.ts` picks
 * one by name. Nothing here knows a key layout, a table or a file.
 */

/**
 * A registry store: what the HTTP app needs, and the reconciler's side. `DynamoStore` and the
 * SQLite store implement both halves; each consumer names the half it uses.
 */
export interface Store extends RegistryStore, ReconcilerStore {}

/** What the HTTP app needs from a store. */
export interface RegistryStore {
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
  /** Every service ever catalogued (the caps match token patterns against them). */
  serviceNames(): Promise<string[]>;
  /** What each reconciler source did last (for /v1/discovery/health). */
  reconcileStates(): Promise<ReconcileState[]>;

  /** One live instance as stored (its checks, its exact `last_seen`), for a write that keeps them. */
  record(service: string, id: string, nowMs: number): Promise<InstanceRecord | undefined>;
  /**
   * Writes an instance whose health is its checks (a registration through the Consul API):
   * over nothing live (`expect` undefined), or only over the item as the caller read it (its
   * owner and `last_seen`). "moved" when that no longer holds: read again and retry.
   */
  putChecked(input: CheckedInput): Promise<"written" | "moved">;
  /** A service's change index (ChangeIndex). A service never written has `{index: 1}`. */
  changeIndex(service: string): Promise<ChangeIndex>;
  /** Every catalogued service's change index, read consistently, by name. */
  changeIndexes(): Promise<Map<string, ChangeIndex>>;
  /**
   * Records what a reader saw of the service: pins `view` to `seen.index` when nothing is
   * pinned to it yet, else raises the index by one and pins it there. Only while the record is
   * still `seen`; undefined when it moved (read again).
   */
  settleIndex(
    service: string,
    seen: ChangeIndex,
    view: ViewSummary,
  ): Promise<ChangeIndex | undefined>;
  /** Names an owner gives its instances (Consul's service and check IDs), one item each. */
  putAlias(alias: Alias): Promise<void>;
  getAlias(owner: string, name: string, nowMs: number): Promise<Alias | undefined>;
  deleteAlias(owner: string, name: string): Promise<void>;
  /**
   * A watcher's next answer: granted when it holds no claim, a claim on another index, or one
   * that has ended; else refused with how long to wait. Granting records `claim`.
   */
  claimWatch(claim: WatchClaim): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

/**
 * What readers of a service's health have been told, so that the index they are given (Consul's
 * `X-Consul-Index`) moves exactly when what they see changes, across processes and restarts:
 * `index` is a counter kept with the service (≥ 1, never lowered); `hash` is the hash of what
 * readers saw at `hashAt` (≤ index). Writes that create, delete or change the status of an
 * instance raise `index` (so a poller sees them by reading this alone); readers pin what they
 * saw and raise it for anything else (a TTL running out, a lease ending, a renewal that
 * changed metadata), with `settleIndex`.
 */
export interface ChangeIndex {
  index: number;
  /** Undefined: nothing pinned since the last write raised `index` (or ever). */
  hash: string | undefined;
  /** The index `hash` was pinned at; 0 when never. */
  hashAt: number;
  /** What the pinned view held, for the catalog of services without listing each one. */
  tags: string[];
  live: number;
  /** When the pinned view changes by itself (a lease ends, a TTL runs out); null: never. */
  nextEventMs: number | null;
}

/** What `settleIndex` records of a reader's view. */
export interface ViewSummary {
  hash: string;
  tags: string[];
  live: number;
  nextEventMs: number | null;
}

/** A change index that nothing has written: a service never written, or before any read. */
export const FIRST_INDEX: ChangeIndex = {
  index: 1,
  hash: undefined,
  hashAt: 0,
  tags: [],
  live: 0,
  nextEventMs: null,
};

/** An instance with its checks (putChecked). Its status is theirs; its lease is the caller's. */
export interface CheckedInput {
  service: string;
  id: string;
  fields: InstanceFields;
  checks: StoredCheck[];
  owner: string;
  source: Source;
  /** Epoch ms the instance is removed (rounded down to a second, never late). */
  leaseEndMs: number;
  /** Kept from the instance this one replaces; nowMs for a new one. */
  registeredAtMs: number;
  /** Only over this item as read; undefined: only where nothing is live. */
  expect: { lastSeenMs: number } | undefined;
  /** Whether readers must be told (a creation, a status change): raises the change index. */
  raisesIndex: boolean;
  nowMs: number;
}

/** An owner's name for one of its instances. */
export interface Alias {
  owner: string;
  name: string;
  service: string;
  id: string;
  /** Epoch seconds; an engine may delete the alias after. */
  expiresAt: number;
}

/** A watcher's claim on its next answer (the Consul re-ask cap, shared/consul/reask.ts). */
export interface WatchClaim {
  /** Who watches what: a hash, never a token. */
  key: string;
  /** The index the watcher asked with (a decimal uint64). */
  index: string;
  nowMs: number;
  /** Epoch ms before which the same watcher asking with the same index is refused. */
  untilMs: number;
}

/** The reconciler's side: its sources' instances and its state. Heartbeats never go through these. */
export interface ReconcilerStore {
  list(service: string, nowMs: number): Promise<Instance[]>;

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

/** A source whose instances the reconciler writes (not a node's own registration). */
export type DiscoverySource = Exclude<Source, "heartbeat" | "consul">;

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

/** One reconciler source's state between passes, one per source name. Times are epoch ms. */
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
  /**
   * contentHash of `fields` and `ttl` when the caller already made it (the heartbeat route
   * does, for the flood guard): every engine then writes it instead of hashing again.
   */
  contentHash?: string;
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

/** A service's live instances, counted. */
export interface ServiceSummary {
  name: string;
  instances: number;
  passing: number;
  warning: number;
  critical: number;
  /** By source (`heartbeat`, `ec2`, …, whatever the records say): only sources with some. */
  sources: Record<string, number>;
  /** Epoch ms of the newest registration among them: when the last of them joined. */
  lastRegisteredMs: number;
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

/** A scoped token as kept: its hash (never the token) and what it may do. */
export interface TokenItem {
  /** Hex SHA-256 of the token, domain-separated. Its first 16 characters are the token's id. */
  hash: string;
  name: string;
  role: Role;
  /** Service patterns; empty for admins (every service). */
  services: string[];
  /** The ownership fingerprint instances registered with this token carry (`registered_by`). */
  fingerprint: string;
  /** Epoch seconds; an expired token no longer verifies, and the engine may delete it. */
  expires_at?: number;
  /** Epoch milliseconds. */
  created_at: number;
  /** Fingerprint of the admin that made it. */
  created_by: string;
}

/** Where scoped tokens are kept. Reads and writes only, nothing about what a token means. */
export interface TokenStore {
  /** Writes a new token; refuses to replace one (a 256-bit collision would be a bug). */
  put(item: TokenItem): Promise<void>;
  /**
   * One token by its hash. Strongly consistent: a token revoked a moment ago in another
   * process must not verify from a stale replica.
   */
  get(hash: string): Promise<TokenItem | undefined>;
  /** Every token item whose hash starts with `idPrefix`, expired or not. */
  list(idPrefix?: string): Promise<TokenItem[]>;
  remove(hash: string): Promise<void>;
}

/**
 * What opening a store needs. One shape for every engine: each reads the fields it uses and
 * ignores the rest, so the caller never branches on the engine.
 */
export interface StoreSettings {
  /** The data folder: an engine that keeps a file keeps it here (SQLite: `muster.db`). */
  dataDir: string;
  /** The table an engine with tables keeps the registry in (DynamoDB); made if missing. */
  tableName: string;
  /** The engine's address when not its client's default (DynamoDB: the SDK's variables, else AWS). */
  endpoint?: string | undefined;
  /** The region an engine's client signs for; default: its client's. */
  region?: string | undefined;
  /**
   * How often an engine without its own expiry deletes expired items (SQLite). Default 60 s;
   * 0: never (tests, whose clocks are not the machine's).
   */
  sweepIntervalMs?: number | undefined;
  /** The most items one request of a paged read asks for; default: the engine's own (tests make small tables paginate). */
  pageLimit?: number | undefined;
  /**
   * Told once of each stored record that does not decode (shared/store/decode-record.ts); the
   * engine leaves it out of every answer instead of failing the read. Default: not told.
   */
  onDamaged?: DamagedRecordListener | undefined;
}

/** An open store: the registry, its scoped tokens beside it, and how to let them go. */
export interface OpenedStore {
  store: Store;
  tokens: TokenStore;
  /** What the registry is stored in, for the listening line. */
  where: string;
  /**
   * Whether the registry is kept in the data folder (SQLite's file), so that a process holding
   * the folder's lock is its only writer and hears of every change (local mode's rendered-answer
   * cache relies on it); false where others may write too (a DynamoDB table).
   */
  inDataDir: boolean;
  /**
   * Records found damaged by the engine's start-up check and quarantined (SQLite reads every
   * row; an engine without such a check leaves it undefined).
   */
  damaged?: number;
  /** Releases what the engine holds (a file, connections); what was acknowledged stays written. */
  close(): void;
}

/** How an engine is opened: each engine's folder exports one, and `open-store.ts` lists them. */
export type StoreOpener = (settings: StoreSettings) => Promise<OpenedStore>;
