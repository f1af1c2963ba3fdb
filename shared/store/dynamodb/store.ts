import type { ConsumedCapacity, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Instance } from "../../model/instance.js";
import { type DamagedRecordListener, decodeInstanceRecord, onceEach } from "../decode-record.js";
import { isLive } from "../item.js";
import {
  heartbeatAllowed,
  heartbeatRefusal,
  leaseValues,
  ownerMayReplace,
  stillAsWritten,
} from "../rules.js";
import type {
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
} from "../store.js";
import { documentClient } from "./client.js";
import { classifyStoreError, isConditionFailure } from "./errors.js";
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
import { conditionParams, setExpression } from "./update-expression.js";

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
      decode: (item) => this.#decode(item),
    };
    this.#damaged = onceEach(options.onDamaged);
    this.#countMaxAgeMs = (options.countMaxAgeSeconds ?? 60) * 1000;
  }

  /**
   * Register or renew with one conditional UpdateItem and no read. The condition is the
   * heartbeatAllowed rule (rules.ts): the id is free (absent or expired), or the caller owns it
   * and the content changed or the floor interval has passed. A refusal is classified from
   * the item DynamoDB returns with the failure (or, on engines that do not return it, one read).
   */
  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const { service, id, ttl, owner, nowMs } = input;
    const values = leaseValues(input);
    const { sets, names, values: exprValues } = setExpression(values);
    const expiresAt = values.expires_at;
    names["#registered_at"] = "registered_at";
    sets.push("#registered_at = if_not_exists(#registered_at, :last_seen)");
    const rule = heartbeatAllowed.condition({
      owner,
      content_hash: values.content_hash,
      ttl,
      nowMs,
    });

    await this.#ensureCatalogued(service, "heartbeat.catalog");
    const key = instanceKey(service, id);
    let old: InstanceItem | undefined;
    try {
      const out = await this.#call("heartbeat", () =>
        this.#doc.send(
          new UpdateCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: key,
            UpdateExpression: `SET ${sets.join(", ")}`,
            ...conditionParams(rule, { names, values: exprValues }),
            ReturnValues: "ALL_OLD",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      old = out.Attributes as InstanceItem | undefined;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.#refusedItem(err, key);
      return heartbeatRefusal(current, owner, ttl, nowMs);
    }

    if (old && isLive(old, nowMs)) {
      // A renewal changes the counts only when it changes the status.
      if ((old.status ?? "passing") !== input.fields.status)
        await invalidateCounts(this.#q, service);
      return { kind: "renewed", expiresAt };
    }
    if (old) {
      // The id was held before but had lapsed; if_not_exists kept the old registration time.
      await this.#call("heartbeat.reregister", () =>
        this.#doc.send(
          new UpdateCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: key,
            UpdateExpression: "SET #registered_at = :registered_at",
            // Only onto the item this heartbeat wrote.
            ...conditionParams(stillAsWritten.condition({ owner, lastSeenMs: nowMs }), {
              names: { "#registered_at": "registered_at" },
              values: { ":registered_at": nowMs },
            }),
          }),
        ),
      ).catch((err) => {
        // A newer heartbeat already replaced the item; its registration time is the one to keep.
        if (!isConditionFailure(err)) throw err;
      });
    }
    await invalidateCounts(this.#q, service);
    return { kind: "created", expiresAt };
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
    const out = await this.#call("get", () =>
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
    return item && isLive(item, nowMs) ? this.#decode(item) : undefined;
  }

  async list(service: string, nowMs: number): Promise<Instance[]> {
    const items = await queryService<InstanceItem>(this.#q, service, nowMs);
    return items
      .map((item) => this.#decode(item))
      .filter((i) => i !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * An item edited by hand (or by a bug) into something that is not an instance is left out
   * and reported once, not a 500 for its whole service. It stays in the table until its
   * instance's next heartbeat rewrites it or its TTL removes it.
   */
  #decode(item: object): Instance | undefined {
    const r = item as Record<string, unknown>;
    const key = { service: String(r.service), id: String(r.id) };
    const decoded = decodeInstanceRecord(item, key);
    if (decoded.ok) return decoded.instance;
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
    const result = await upsertSourced(this.#q, input);
    if (result === "written") await invalidateCounts(this.#q, input.service);
    return result;
  }

  async remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean> {
    const removed = await removeInstance(this.#q, service, id, expect);
    if (removed) await invalidateCounts(this.#q, service);
    return removed;
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
    await this.#call(operation, () =>
      this.#doc.send(
        new PutCommand({
          ...this.#capacity,
          TableName: this.#table,
          Item: { ...catalogKey(service), service },
        }),
      ),
    );
    this.#catalogued.add(service);
  }

  async #refusedItem(
    err: unknown,
    key: { pk: string; sk: string },
  ): Promise<InstanceItem | undefined> {
    const returned = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    if (returned) return unmarshall(returned) as InstanceItem;
    const out = await this.#call("heartbeat.refused", () =>
      this.#doc.send(
        new GetCommand({
          ...this.#capacity,
          TableName: this.#table,
          Key: key,
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item as InstanceItem | undefined;
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
