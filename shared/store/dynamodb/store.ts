import type { ConsumedCapacity, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Instance } from "../../model/instance.js";
import { statusAt } from "../checks.js";
import { type DamagedRecordListener, decodeInstanceRecord, onceEach } from "../decode-record.js";
import { type InstanceRecord, isLive } from "../item.js";
import { ownerMayReplace, stillAsWritten } from "../rules.js";
import type {
  Alias,
  ChangeIndex,
  CheckedInput,
  DeregisterResult,
  HeartbeatInput,
  HeartbeatResult,
  InstancePage,
  LiveRegistration,
  PageRequest,
  ReconcileState,
  RemoveExpectation,
  ServiceSummary,
  SourcedInput,
  Store,
  ViewSummary,
  WatchClaim,
} from "../store.js";
import { documentClient } from "./client.js";
import {
  claimWatch,
  deleteAlias,
  getAlias,
  putAlias,
  putChecked,
  readChangeIndex,
  readChangeIndexes,
  settleChangeIndex,
} from "./consul-state.js";
import { classifyStoreError, isConditionFailure } from "./errors.js";
import { heartbeat } from "./heartbeat.js";
import type { InstanceItem } from "./item.js";
import {
  CATALOG_PK,
  catalogKey,
  HEALTH_KEY,
  instanceKey,
  SHARDS,
  serviceFromCatalogSk,
} from "./keys.js";
import { listPage, type QueryContext, queryPartition, queryService } from "./queries.js";
import { putReconcileState, reconcileStates, removeInstance, upsertSourced } from "./reconcile.js";
import { invalidateCounts, serviceSummaries } from "./services.js";
import { conditionParams } from "./update-expression.js";

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * Called with what each call consumed. When set, every request asks DynamoDB for
   * `ReturnConsumedCapacity: TOTAL`; the benchmark uses it to report the cost of an operation.
   */
  onConsumedCapacity?: (operation: string, capacity: ConsumedCapacity) => void;
  /** How many services `services()` counts at once. Default 4. */
  serviceConcurrency?: number;
  /**
   * `Limit` of each Query page. Default: none (DynamoDB's 1 MB pages). Small values make a
   * small table paginate, which is how the tests prove every page is followed.
   */
  queryPageLimit?: number;
  /**
   * How old the per-service counts of `services()` may be before they are counted again.
   * Default 60; 0 counts on every call.
   */
  countMaxAgeSeconds?: number;
  /**
   * Shards a listing or a count reads at once. Default: all of them (DynamoDB answers a 1 MB
   * page in well under the 3 s request timeout). Single-threaded test engines take about a
   * second a page, so a 100,000-instance listing there reads one or two at a time.
   */
  shardConcurrency?: number;
  /** Told once of each item that does not decode; it is left out of answers. */
  onDamaged?: DamagedRecordListener;
}

export class DynamoStore implements Store {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: DynamoStoreOptions["onConsumedCapacity"];
  readonly #serviceConcurrency: number;
  readonly #capacity: { ReturnConsumedCapacity?: "TOTAL" };
  readonly #pageLimit: { Limit?: number };
  /** Services this process has written to the catalog; the entry is never removed. */
  readonly #catalogued = new Set<string>();
  readonly #q: QueryContext;
  readonly #countMaxAgeMs: number;
  readonly #damaged: ReturnType<typeof onceEach>;

  constructor(options: DynamoStoreOptions) {
    this.#doc = documentClient(options.client);
    this.#table = options.tableName;
    this.#onCapacity = options.onConsumedCapacity;
    this.#serviceConcurrency = options.serviceConcurrency ?? 4;
    this.#capacity = options.onConsumedCapacity ? { ReturnConsumedCapacity: "TOTAL" } : {};
    this.#pageLimit = options.queryPageLimit ? { Limit: options.queryPageLimit } : {};
    this.#q = {
      doc: this.#doc,
      table: this.#table,
      call: (operation, run) => this.#call(operation, run),
      capacity: this.#capacity,
      shardConcurrency: options.shardConcurrency ?? SHARDS,
      extra: { ...this.#capacity, ...this.#pageLimit },
      decode: (item, nowMs) => this.#decode(item, nowMs)?.instance,
    };
    this.#damaged = onceEach(options.onDamaged);
    this.#countMaxAgeMs = (options.countMaxAgeSeconds ?? 60) * 1000;
  }

  /** One conditional UpdateItem and no read (heartbeat.ts), the service catalogued first. */
  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    await this.#ensureCatalogued(input.service, "heartbeat.catalog");
    return await heartbeat(this.#q, input);
  }

  async deregister(
    service: string,
    id: string,
    owner: string,
    nowMs: number,
  ): Promise<DeregisterResult> {
    try {
      const out = await this.#call("deregister", () =>
        this.#doc.send(
          new DeleteCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: instanceKey(service, id),
            ...conditionParams(ownerMayReplace.condition({ owner, nowMs })),
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      const old = out.Attributes as InstanceItem | undefined;
      if (!old || !isLive(old, nowMs)) return "absent";
      await invalidateCounts(this.#q, service);
      return "deleted";
    } catch (err) {
      if (isConditionFailure(err)) return "forbidden";
      throw err;
    }
  }

  async get(service: string, id: string, nowMs: number): Promise<Instance | undefined> {
    const item = await this.#liveItem("get", service, id, nowMs);
    return item && this.#decode(item, nowMs)?.instance;
  }

  async record(service: string, id: string, nowMs: number): Promise<InstanceRecord | undefined> {
    const item = await this.#liveItem("record", service, id, nowMs);
    const decoded = item && this.#decode(item, nowMs);
    if (!decoded) return undefined;
    // The record as every engine stores it: without the table's keys.
    const {
      pk: _pk,
      sk: _sk,
      ...record
    } = decoded.record as InstanceRecord & {
      pk?: string;
      sk?: string;
    };
    return record;
  }

  /** One instance's item, read consistently; undefined when absent or its lease has ended. */
  async #liveItem(
    operation: "get" | "record",
    service: string,
    id: string,
    nowMs: number,
  ): Promise<InstanceItem | undefined> {
    const out = await this.#call(operation, () =>
      this.#doc.send(
        new GetCommand({
          ...this.#capacity,
          TableName: this.#table,
          Key: instanceKey(service, id),
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Item as InstanceItem | undefined;
    return item && isLive(item, nowMs) ? item : undefined;
  }

  async list(service: string, nowMs: number): Promise<Instance[]> {
    const items = await queryService<InstanceItem>(this.#q, service, nowMs);
    return items
      .map((item) => this.#decode(item, nowMs)?.instance)
      .filter((i) => i !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * An item edited by hand (or by a bug) into something that is not an instance is left out
   * and reported once, not a 500 for its whole service. It stays in the table until its
   * instance's next heartbeat rewrites it or its TTL removes it.
   */
  #decode(item: object, nowMs: number): { record: InstanceRecord; instance: Instance } | undefined {
    const r = item as Record<string, unknown>;
    const key = { service: String(r.service), id: String(r.id) };
    const decoded = decodeInstanceRecord(item, key, nowMs);
    if (decoded.ok) return decoded;
    const record = { kind: "instance" as const, key: `${key.service}/${key.id}` };
    this.#damaged({ ...record, reason: decoded.reason }, JSON.stringify(item));
    return undefined;
  }

  async listPage(service: string, nowMs: number, page: PageRequest): Promise<InstancePage> {
    return await listPage(this.#q, service, nowMs, page);
  }

  async services(nowMs: number): Promise<ServiceSummary[]> {
    return await serviceSummaries(this.#q, nowMs, {
      concurrency: this.#serviceConcurrency,
      countMaxAgeMs: this.#countMaxAgeMs,
    });
  }

  async ping(): Promise<void> {
    await this.#call("ping", () =>
      this.#doc.send(
        new GetCommand({ ...this.#capacity, TableName: this.#table, Key: HEALTH_KEY }),
      ),
    );
  }

  async liveRegistrations(service: string, nowMs: number): Promise<LiveRegistration[]> {
    const items = await queryService<{ id: string; owner: string }>(
      this.#q,
      service,
      nowMs,
      "#id, #owner",
    );
    return items.map((i) => ({ service, id: i.id, owner: i.owner }));
  }

  async withdraw(service: string, id: string, owner: string, lastSeenMs: number): Promise<boolean> {
    try {
      await this.#call("withdraw", () =>
        this.#doc.send(
          new DeleteCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: instanceKey(service, id),
            ...conditionParams(stillAsWritten.condition({ owner, lastSeenMs })),
          }),
        ),
      );
      await invalidateCounts(this.#q, service);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async serviceNames(): Promise<string[]> {
    const names: string[] = [];
    // Strongly consistent: the caps must see a service catalogued by a creation just landed.
    await queryPartition(
      this.#q,
      "serviceNames",
      CATALOG_PK,
      (item) => names.push(serviceFromCatalogSk(item.sk as string)),
      "sk",
    );
    return names.sort();
  }

  async upsertSourced(input: SourcedInput): Promise<"written" | "conflict"> {
    await this.#ensureCatalogued(input.service, "upsertSourced.catalog");
    const { result, old } = await upsertSourced(this.#q, input);
    if (
      result === "written" &&
      (!old || !isLive(old, input.nowMs) || statusAt(old, input.nowMs) !== input.fields.status)
    ) {
      await invalidateCounts(this.#q, input.service);
    }
    return result;
  }

  async remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean> {
    const removed = await removeInstance(this.#q, service, id, expect);
    if (removed) await invalidateCounts(this.#q, service);
    return removed;
  }

  async putChecked(input: CheckedInput): Promise<"written" | "moved"> {
    await this.#ensureCatalogued(input.service, "putChecked.catalog");
    if (!(await putChecked(this.#q, input))) return "moved";
    if (input.raisesIndex) await invalidateCounts(this.#q, input.service);
    return "written";
  }

  async changeIndex(service: string): Promise<ChangeIndex> {
    return await readChangeIndex(this.#q, service);
  }

  async changeIndexes(): Promise<Map<string, ChangeIndex>> {
    return await readChangeIndexes(this.#q);
  }

  async settleIndex(
    service: string,
    seen: ChangeIndex,
    view: ViewSummary,
  ): Promise<ChangeIndex | undefined> {
    return await settleChangeIndex(this.#q, service, seen, view);
  }

  async putAlias(alias: Alias): Promise<void> {
    await putAlias(this.#q, alias);
  }

  async getAlias(owner: string, name: string, nowMs: number): Promise<Alias | undefined> {
    return await getAlias(this.#q, owner, name, nowMs);
  }

  async deleteAlias(owner: string, name: string): Promise<void> {
    await deleteAlias(this.#q, owner, name);
  }

  async claimWatch(claim: WatchClaim): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    return await claimWatch(this.#q, claim);
  }

  async reconcileStates(): Promise<ReconcileState[]> {
    return await reconcileStates(this.#q);
  }

  async putReconcileState(state: ReconcileState): Promise<void> {
    await putReconcileState(this.#q, state);
  }

  /**
   * Makes sure the service is in the catalog, once per service per process, so a fleet
   * booting into one service costs one write a node.
   *
   * Both writes of an instance (heartbeat, upsertSourced) call this first, before the
   * instance, and so does SQLite inside its transaction. A crash between the two writes
   * leaves a catalogued service with no instance, which every reader already meets (a
   * service whose instances have all lapsed): services() lists only those with live instances,
   * and the caps find nothing of it. The other order could leave an instance whose service is
   * not catalogued, missing from services() and from the per-token caps' count until some
   * later write catalogued it. The catalog entry is never removed, so "catalogued before
   * written" holds for every instance at every moment.
   */
  async #ensureCatalogued(service: string, operation: string): Promise<void> {
    if (this.#catalogued.has(service)) return;
    // An update, not a put: the item also holds the counts and the change index, which a
    // process starting up must not wipe (an index going back would wake no reader).
    await this.#call(operation, () =>
      this.#doc.send(
        new UpdateCommand({
          ...this.#capacity,
          TableName: this.#table,
          Key: catalogKey(service),
          UpdateExpression: "SET service = :service",
          ExpressionAttributeValues: { ":service": service },
        }),
      ),
    );
    this.#catalogued.add(service);
  }

  /** The one place a request leaves: errors are classified, capacity is reported. */
  async #call<T extends { ConsumedCapacity?: ConsumedCapacity }>(
    operation: string,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      const out = await run();
      if (this.#onCapacity && out.ConsumedCapacity)
        this.#onCapacity(operation, out.ConsumedCapacity);
      return out;
    } catch (err) {
      throw classifyStoreError(err);
    }
  }
}
