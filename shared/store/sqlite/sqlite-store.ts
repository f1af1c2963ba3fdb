import type { Instance } from "../../model/instance.js";
import { decodeInstanceJson } from "../decode-record.js";
import { type InstanceRecord, isLive } from "../item.js";
import {
  checkedValues,
  heartbeatAllowed,
  heartbeatRefusal,
  leaseValues,
  ownerMayReplace,
  removalExpected,
  stillAsWritten,
  vacant,
} from "../rules.js";
import {
  type Alias,
  type ChangeIndex,
  type CheckedInput,
  type DeregisterResult,
  type HeartbeatInput,
  type HeartbeatResult,
  type InstancePage,
  type LiveRegistration,
  type PageRequest,
  type ReconcileState,
  type RemoveExpectation,
  type ServiceSummary,
  type SourcedInput,
  type Store,
  sourceOwner,
  type ViewSummary,
  type WatchClaim,
} from "../store.js";
import {
  claimWatch,
  raiseChangeIndex,
  readAlias,
  readChangeIndex,
  readChangeIndexes,
  removeAlias,
  settleChangeIndex,
  sweepConsulState,
  writeAlias,
} from "./consul-state.js";
import type { SqliteDatabase } from "./database.js";
import {
  byKey,
  changesStatus,
  DELETE_ONE,
  decodeCursor,
  encodeCursor,
  nowSeconds,
  type Row,
  SELECT_HOLDER,
  SELECT_ONE,
  UPSERT,
} from "./instance-rows.js";
import { ListCache } from "./list-cache.js";
import type { Quarantine } from "./quarantine.js";
import { readReconcileStates, writeReconcileState } from "./reconcile-states.js";
import { readSummaries } from "./summaries.js";

/**
 * The Store on local mode's SQLite file, with the DynamoDB store's rules (shared/store/rules.ts):
 * each write reads the row it would replace and decides with the rule's predicate inside its
 * transaction, where DynamoDB evaluates the same rule's condition in one request.
 */
export class SqliteStore implements Store {
  readonly #db: SqliteDatabase;
  /** Only this connection writes through here, so it knows when a cached list goes stale. */
  readonly #lists = new ListCache();
  /**
   * Services whose catalog row a committed write of this process has made sure of: the row
   * is never removed, so a heartbeat need not insert it again (DynamoStore does the same).
   */
  readonly #catalogued = new Set<string>();

  /** Where a row that does not decode goes instead of into an answer. */
  readonly #quarantine: Quarantine;

  constructor(db: SqliteDatabase, quarantine: Quarantine) {
    this.#db = db;
    this.#quarantine = quarantine;
  }

  /**
   * The row as a record and as the instance it reads as at `nowMs`, or undefined (reported
   * and queued for deletion) if it does not decode.
   */
  #decode(
    service: string,
    id: string,
    item: string,
    nowMs: number,
  ): { record: InstanceRecord; instance: Instance } | undefined {
    const decoded = decodeInstanceJson(item, { service, id }, nowMs);
    if (decoded.ok) return decoded;
    this.#quarantine.instance(service, id, item, decoded.reason, () =>
      this.#lists.invalidate(service),
    );
    return undefined;
  }

  /**
   * The start-up check: reads every instance row and quarantines those that do not decode
   * (their deletion is the next write). Resolves with how many were found.
   */
  checkRecords(): Promise<number> {
    return this.#db.read(() => {
      const before = this.#quarantine.found;
      const rows = this.#db
        .statement("SELECT service, id, item FROM instances")
        .iterate() as Iterable<{ service: string; id: string; item: string }>;
      for (const row of rows) this.#decode(row.service, row.id, row.item, Date.now());
      return this.#quarantine.found - before;
    });
  }

  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const { service, id, ttl, owner, nowMs } = input;
    const values = leaseValues(input);
    const result = await this.#db.write((): HeartbeatResult => {
      const current = this.#holder(service, id);
      const write = { owner, content_hash: values.content_hash, ttl, nowMs };
      if (!heartbeatAllowed.allows(current, write)) {
        return heartbeatRefusal(current, owner, ttl, nowMs);
      }
      const live = current !== undefined && isLive(current, nowMs);
      this.#put({ ...values, registered_at: live ? current.registered_at : nowMs });
      if (changesStatus(current, values.status, nowMs)) raiseChangeIndex(this.#db, service);
      return { kind: live ? "renewed" : "created", expiresAt: values.expires_at };
    });
    if (result.kind === "created" || result.kind === "renewed") this.#catalogued.add(service);
    return result;
  }

  deregister(service: string, id: string, owner: string, nowMs: number): Promise<DeregisterResult> {
    return this.#db.write(() => {
      const current = this.#holder(service, id);
      if (!ownerMayReplace.allows(current, { owner, nowMs })) return "forbidden";
      if (!current) return "absent";
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
      if (!isLive(current, nowMs)) return "absent";
      raiseChangeIndex(this.#db, service);
      return "deleted";
    });
  }

  get(service: string, id: string, nowMs: number): Promise<Instance | undefined> {
    return this.#db.read(() => {
      const row = this.#row(service, id);
      return row && isLive(row, nowMs)
        ? this.#decode(service, id, row.item, nowMs)?.instance
        : undefined;
    });
  }

  record(service: string, id: string, nowMs: number): Promise<InstanceRecord | undefined> {
    return this.#db.read(() => {
      const row = this.#row(service, id);
      return row && isLive(row, nowMs)
        ? this.#decode(service, id, row.item, nowMs)?.record
        : undefined;
    });
  }

  list(service: string, nowMs: number): Promise<Instance[]> {
    const nowS = nowSeconds(nowMs);
    const cached = this.#lists.get(service, nowS, this.#db.dataVersion());
    if (cached) return Promise.resolve(cached);
    return this.#db.read(() => {
      const rows = this.#db
        .statement(
          "SELECT id, expires_at, item FROM instances WHERE service = ? AND expires_at > ?",
        )
        .all(service, nowS) as { id: string; expires_at: number; item: string }[];
      // What is read changes by itself when a lease ends or a check's TTL runs out.
      const changes: number[] = [];
      const instances = rows
        .map((r) => {
          const decoded = this.#decode(service, r.id, r.item, nowMs);
          if (!decoded) return undefined;
          changes.push(r.expires_at);
          for (const c of decoded.record.checks ?? []) {
            if (c.deadline > nowMs) changes.push(Math.floor(c.deadline / 1000));
          }
          return decoded.instance;
        })
        .filter((i) => i !== undefined)
        .sort((a, b) => byKey(a.id, b.id));
      this.#lists.set(service, nowS, instances, changes);
      return instances;
    });
  }

  services(nowMs: number): Promise<ServiceSummary[]> {
    return this.#db.read(() => readSummaries(this.#db, nowMs));
  }

  ping(): Promise<void> {
    return this.#db.read(() => {
      this.#db.statement("SELECT 1").get();
    });
  }

  /**
   * One page in id order (SQLite's binary collation), after the id the cursor names. The
   * cursor is that id, tagged, in base64url: opaque to clients, and checked on the way back.
   */
  listPage(service: string, nowMs: number, page: PageRequest): Promise<InstancePage> {
    const after = page.cursor === undefined ? "" : decodeCursor(page.cursor);
    return this.#db.read(() => {
      const rows = this.#db
        .statement(
          "SELECT id, item FROM instances WHERE service = ? AND expires_at > ? AND id > ? ORDER BY id LIMIT ?",
        )
        .all(service, nowSeconds(nowMs), after, page.limit + 1) as { id: string; item: string }[];
      const more = rows.length > page.limit;
      const taken = more ? rows.slice(0, page.limit) : rows;
      const last = taken.at(-1);
      return {
        instances: taken
          .map((r) => this.#decode(service, r.id, r.item, nowMs)?.instance)
          .filter((i) => i !== undefined),
        cursor: more && last ? encodeCursor(last.id) : undefined,
      };
    });
  }

  liveRegistrations(service: string, nowMs: number): Promise<LiveRegistration[]> {
    return this.#db.read(() => {
      const rows = this.#db
        .statement(
          "SELECT id, owner FROM instances WHERE service = ? AND expires_at > ? ORDER BY id",
        )
        .all(service, nowSeconds(nowMs)) as { id: string; owner: string }[];
      return rows.map((r) => ({ service, id: r.id, owner: r.owner }));
    });
  }

  withdraw(service: string, id: string, owner: string, lastSeenMs: number): Promise<boolean> {
    return this.#db.write(() => {
      if (!stillAsWritten.allows(this.#holder(service, id), { owner, lastSeenMs })) return false;
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
      raiseChangeIndex(this.#db, service);
      return true;
    });
  }

  serviceNames(): Promise<string[]> {
    return this.#db.read(() => {
      const rows = this.#db.statement("SELECT name FROM services").all() as { name: string }[];
      return rows.map((r) => r.name).sort(byKey);
    });
  }

  async upsertSourced(input: SourcedInput): Promise<"written" | "conflict"> {
    const { service, id, fields, source, leaseSeconds, registeredAtMs, nowMs } = input;
    const owner = sourceOwner(source);
    const values = leaseValues({ service, id, fields, source, owner, ttl: leaseSeconds, nowMs });
    const result = await this.#db.write(() => {
      const current = this.#holder(service, id);
      if (!ownerMayReplace.allows(current, { owner, nowMs })) return "conflict" as const;
      this.#put({ ...values, registered_at: registeredAtMs });
      if (changesStatus(current, values.status, nowMs)) raiseChangeIndex(this.#db, service);
      return "written" as const;
    });
    if (result === "written") this.#catalogued.add(service);
    return result;
  }

  remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean> {
    return this.#db.write(() => {
      const row = this.#row(service, id);
      // A row that does not decode is quarantined (deleted by a write of its own), not removed here.
      const instance = row && this.#decode(service, id, row.item, Date.now())?.instance;
      const current = row && instance && { ...row, metadata: instance.metadata };
      if (!removalExpected.allows(current, expect)) return false;
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
      raiseChangeIndex(this.#db, service);
      return true;
    });
  }

  async putChecked(input: CheckedInput): Promise<"written" | "moved"> {
    const { service, id, owner, nowMs, expect } = input;
    const values = checkedValues(input);
    const result = await this.#db.write(() => {
      const current = this.#row(service, id);
      const allowed = expect
        ? stillAsWritten.allows(current, { owner, lastSeenMs: expect.lastSeenMs })
        : vacant.allows(current, { nowMs });
      if (!allowed) return "moved" as const;
      this.#put(values);
      if (input.raisesIndex) raiseChangeIndex(this.#db, service);
      return "written" as const;
    });
    if (result === "written") this.#catalogued.add(service);
    return result;
  }

  changeIndex(service: string): Promise<ChangeIndex> {
    return this.#db.read(() => readChangeIndex(this.#db, service));
  }

  changeIndexes(): Promise<Map<string, ChangeIndex>> {
    return this.#db.read(() => readChangeIndexes(this.#db));
  }

  settleIndex(
    service: string,
    seen: ChangeIndex,
    view: ViewSummary,
  ): Promise<ChangeIndex | undefined> {
    return this.#db.write(() => settleChangeIndex(this.#db, service, seen, view));
  }

  putAlias(alias: Alias): Promise<void> {
    return this.#db.write(() => writeAlias(this.#db, alias));
  }

  getAlias(owner: string, name: string, nowMs: number): Promise<Alias | undefined> {
    return this.#db.read(() => readAlias(this.#db, owner, name, nowMs));
  }

  deleteAlias(owner: string, name: string): Promise<void> {
    return this.#db.write(() => removeAlias(this.#db, owner, name));
  }

  claimWatch(claim: WatchClaim): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    return this.#db.write(() => claimWatch(this.#db, claim));
  }

  reconcileStates(): Promise<ReconcileState[]> {
    return this.#db.read(() => readReconcileStates(this.#db));
  }

  putReconcileState(state: ReconcileState): Promise<void> {
    return this.#db.write(() => writeReconcileState(this.#db, state));
  }

  /**
   * Deletes instances whose lease ended before `nowMs`: reads already skip them, so this is
   * housekeeping (DynamoDB's TTL does the same there).
   */
  sweep(nowMs: number): Promise<number> {
    return this.#db.write(() => {
      const out = this.#db
        .statement("DELETE FROM instances WHERE expires_at <= ?")
        .run(nowSeconds(nowMs));
      this.#lists.invalidate();
      return Number(out.changes) + sweepConsulState(this.#db, nowMs);
    });
  }

  #row(service: string, id: string): Row | undefined {
    return this.#db.statement(SELECT_ONE).get(service, id) as Row | undefined;
  }

  #holder(service: string, id: string): Omit<Row, "item"> | undefined {
    return this.#db.statement(SELECT_HOLDER).get(service, id) as Omit<Row, "item"> | undefined;
  }

  #put(item: InstanceRecord): void {
    this.#lists.invalidate(item.service);
    // The catalog: every service ever written, as DynamoStore keeps it, and in the same order
    // (before the instance; DynamoStore.#ensureCatalogued says why), though here one
    // transaction holds both. Known only once the write is committed (a rolled-back savepoint
    // takes the row with it), hence the callers.
    if (!this.#catalogued.has(item.service)) {
      this.#db.statement("INSERT OR IGNORE INTO services (name) VALUES (?)").run(item.service);
    }
    this.#db
      .statement(UPSERT)
      .run(
        item.service,
        item.id,
        item.owner,
        item.content_hash,
        item.last_seen,
        item.registered_at,
        item.expires_at,
        item.status ?? "passing",
        item.status_until ?? null,
        JSON.stringify(item),
      );
  }
}
