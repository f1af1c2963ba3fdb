import type { Instance } from "../../model/instance.js";
import { INSTANCE_ID } from "../../model/names.js";
import { type InstanceRecord, isLive, toInstance } from "../item.js";
import {
  type Holder,
  heartbeatAllowed,
  heartbeatRefusal,
  leaseValues,
  ownerMayReplace,
  removalExpected,
  stillAsWritten,
} from "../rules.js";
import {
  type DeregisterResult,
  type HeartbeatInput,
  type HeartbeatResult,
  type InstancePage,
  InvalidCursorError,
  type LiveRegistration,
  type PageRequest,
  type ReconcileState,
  type RemoveExpectation,
  type ServiceSummary,
  type SourcedInput,
  type Store,
  sourceOwner,
} from "../store.js";
import type { SqliteDatabase } from "./database.js";
import { ListCache } from "./list-cache.js";
import { readReconcileStates, writeReconcileState } from "./reconcile-states.js";
import { type SummaryRow, summarise } from "./summaries.js";

type Row = Holder & { registered_at: number; item: string };

const SELECT_ONE =
  "SELECT owner, content_hash, last_seen, registered_at, expires_at, item FROM instances WHERE service = ? AND id = ?";
const UPSERT =
  "INSERT OR REPLACE INTO instances (service, id, owner, content_hash, last_seen, registered_at, expires_at, status, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
const DELETE_ONE = "DELETE FROM instances WHERE service = ? AND id = ?";

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const nowSeconds = (nowMs: number) => Math.floor(nowMs / 1000);

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

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const { service, id, ttl, owner, nowMs } = input;
    const values = leaseValues(input);
    const result = await this.#db.write((): HeartbeatResult => {
      const current = this.#row(service, id);
      const write = { owner, content_hash: values.content_hash, ttl, nowMs };
      if (!heartbeatAllowed.allows(current, write)) {
        return heartbeatRefusal(current, owner, ttl, nowMs);
      }
      const live = current !== undefined && isLive(current, nowMs);
      this.#put({ ...values, registered_at: live ? current.registered_at : nowMs });
      return { kind: live ? "renewed" : "created", expiresAt: values.expires_at };
    });
    if (result.kind === "created" || result.kind === "renewed") this.#catalogued.add(service);
    return result;
  }

  deregister(service: string, id: string, owner: string, nowMs: number): Promise<DeregisterResult> {
    return this.#db.write(() => {
      const current = this.#row(service, id);
      if (!ownerMayReplace.allows(current, { owner, nowMs })) return "forbidden";
      if (!current) return "absent";
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
      return isLive(current, nowMs) ? "deleted" : "absent";
    });
  }

  get(service: string, id: string, nowMs: number): Promise<Instance | undefined> {
    return this.#db.read(() => {
      const row = this.#row(service, id);
      return row && isLive(row, nowMs) ? toInstance(JSON.parse(row.item)) : undefined;
    });
  }

  list(service: string, nowMs: number): Promise<Instance[]> {
    const nowS = nowSeconds(nowMs);
    const cached = this.#lists.get(service, nowS, this.#db.dataVersion());
    if (cached) return Promise.resolve(cached);
    return this.#db.read(() => {
      const rows = this.#db
        .statement("SELECT expires_at, item FROM instances WHERE service = ? AND expires_at > ?")
        .all(service, nowS) as { expires_at: number; item: string }[];
      const instances = rows
        .map((r) => toInstance(JSON.parse(r.item) as InstanceRecord))
        .sort((a, b) => byKey(a.id, b.id));
      this.#lists.set(
        service,
        nowS,
        instances,
        rows.map((r) => r.expires_at),
      );
      return instances;
    });
  }

  services(nowMs: number): Promise<ServiceSummary[]> {
    return this.#db.read(() => {
      const rows = this.#db
        .statement(
          "SELECT service, status, json_extract(item, '$.source') AS source, count(*) AS n, max(registered_at) AS last FROM instances WHERE expires_at > ? GROUP BY service, status, source",
        )
        .all(nowSeconds(nowMs)) as unknown as SummaryRow[];
      return summarise(rows).sort((a, b) => byKey(a.name, b.name));
    });
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
        instances: taken.map((r) => toInstance(JSON.parse(r.item) as InstanceRecord)),
        cursor:
          more && last
            ? Buffer.from(`${CURSOR_PREFIX}${last.id}`).toString("base64url")
            : undefined,
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
      if (!stillAsWritten.allows(this.#row(service, id), { owner, lastSeenMs })) return false;
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
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
      if (!ownerMayReplace.allows(this.#row(service, id), { owner, nowMs })) {
        return "conflict" as const;
      }
      this.#put({ ...values, registered_at: registeredAtMs });
      return "written" as const;
    });
    if (result === "written") this.#catalogued.add(service);
    return result;
  }

  remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean> {
    return this.#db.write(() => {
      const row = this.#row(service, id);
      const current = row && {
        ...row,
        metadata: (JSON.parse(row.item) as InstanceRecord).metadata,
      };
      if (!removalExpected.allows(current, expect)) return false;
      this.#db.statement(DELETE_ONE).run(service, id);
      this.#lists.invalidate(service);
      return true;
    });
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
      return Number(out.changes);
    });
  }

  #row(service: string, id: string): Row | undefined {
    return this.#db.statement(SELECT_ONE).get(service, id) as Row | undefined;
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
        JSON.stringify(item),
      );
  }
}

const CURSOR_PREFIX = "after:";

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString()
    : "";
  const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : "";
  if (!INSTANCE_ID.test(id) || Buffer.from(text).toString("base64url") !== cursor) {
    throw new InvalidCursorError("not a cursor this registry handed out");
  }
  return id;
}
