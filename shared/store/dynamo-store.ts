import type { ConsumedCapacity, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Instance } from "../model/instance.js";
import { documentClient } from "./client.js";
import { classifyStoreError } from "./errors.js";
import { type InstanceItem, isLive, toInstance } from "./item.js";
import {
  CATALOG_PK,
  catalogKey,
  HEALTH_KEY,
  instanceKey,
  RECONCILE_PK,
  reconcileKey,
  SHARDS,
  serviceFromCatalogSk,
  servicePartition,
} from "./keys.js";
import { fromStateItem, toStateItem } from "./reconcile-item.js";
import { floorMs, heartbeatRefusal, leaseValues } from "./rules.js";
import {
  type DeregisterResult,
  type HeartbeatInput,
  type HeartbeatResult,
  type LiveRegistration,
  type ReconcileState,
  type RemoveExpectation,
  type ServiceSummary,
  type SourcedInput,
  type Store,
  sourceOwner,
} from "./store.js";
import { setExpression } from "./update-expression.js";

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

  constructor(options: DynamoStoreOptions) {
    this.#doc = documentClient(options.client);
    this.#table = options.tableName;
    this.#onCapacity = options.onConsumedCapacity;
    this.#serviceConcurrency = options.serviceConcurrency ?? 4;
    this.#capacity = options.onConsumedCapacity ? { ReturnConsumedCapacity: "TOTAL" } : {};
    this.#pageLimit = options.queryPageLimit ? { Limit: options.queryPageLimit } : {};
  }

  /**
   * Register or renew with one conditional UpdateItem and no read. The condition lets the
   * write through when the id is free (absent or expired), or when the caller owns it and the
   * content changed or the floor interval has passed. A refusal is classified from the item
   * DynamoDB returns with the failure (or, on engines that do not return it, one read).
   */
  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const { service, id, ttl, owner, nowMs } = input;
    const nowS = Math.floor(nowMs / 1000);
    const values = leaseValues(input);
    const { sets, names, values: exprValues } = setExpression(values);
    const expiresAt = values.expires_at;
    names["#registered_at"] = "registered_at";
    sets.push("#registered_at = if_not_exists(#registered_at, :last_seen)");
    exprValues[":now_s"] = nowS;
    exprValues[":floor"] = floorMs(ttl, nowMs);

    // Catalogued before the instance is written, so that whoever sees the instance finds its
    // service in the catalog too (the per-token caps look for a token's instances there).
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
            ConditionExpression:
              "attribute_not_exists(pk) OR #expires_at <= :now_s OR " +
              "(#owner = :owner AND (#content_hash <> :content_hash OR #last_seen <= :floor))",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: exprValues,
            ReturnValues: "ALL_OLD",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      old = out.Attributes as InstanceItem | undefined;
    } catch (err) {
      if ((err as { name?: string }).name !== "ConditionalCheckFailedException") throw err;
      const current = await this.#refusedItem(err, key);
      return heartbeatRefusal(current, owner, ttl, nowMs);
    }

    if (old && isLive(old, nowMs)) return { kind: "renewed", expiresAt };
    if (old) {
      // The id was held before but had lapsed; if_not_exists kept the old registration time.
      await this.#call("heartbeat.reregister", () =>
        this.#doc.send(
          new UpdateCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: key,
            UpdateExpression: "SET #registered_at = :now",
            ConditionExpression: "#owner = :owner AND #last_seen = :now",
            ExpressionAttributeNames: {
              "#registered_at": "registered_at",
              "#owner": "owner",
              "#last_seen": "last_seen",
            },
            ExpressionAttributeValues: { ":now": nowMs, ":owner": owner },
          }),
        ),
      ).catch((err) => {
        // A newer heartbeat already replaced the item; its registration time is the one to keep.
        if ((err as { name?: string }).name !== "ConditionalCheckFailedException") throw err;
      });
    }
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
            ConditionExpression:
              "attribute_not_exists(pk) OR #owner = :owner OR #expires_at <= :now_s",
            ExpressionAttributeNames: { "#owner": "owner", "#expires_at": "expires_at" },
            ExpressionAttributeValues: { ":owner": owner, ":now_s": Math.floor(nowMs / 1000) },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      const old = out.Attributes as InstanceItem | undefined;
      return old && isLive(old, nowMs) ? "deleted" : "absent";
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return "forbidden";
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
    return item && isLive(item, nowMs) ? toInstance(item) : undefined;
  }

  async list(service: string, nowMs: number): Promise<Instance[]> {
    const items = await this.#queryService<InstanceItem>(service, nowMs);
    return items.map(toInstance).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async services(nowMs: number): Promise<ServiceSummary[]> {
    const names: string[] = [];
    await this.#queryAll(
      "services.catalog",
      {
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": CATALOG_PK },
        ProjectionExpression: "sk",
      },
      (item) => names.push(serviceFromCatalogSk(item.sk as string)),
    );
    const summaries: ServiceSummary[] = [];
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++] as string;
        const items = await this.#queryService<{ status?: string }>(name, nowMs, "#status");
        if (items.length > 0) {
          const passing = items.filter((i) => (i.status ?? "passing") === "passing").length;
          summaries.push({ name, instances: items.length, passing });
        }
      }
    };
    await Promise.all(Array.from({ length: this.#serviceConcurrency }, worker));
    return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async ping(): Promise<void> {
    await this.#call("ping", () =>
      this.#doc.send(
        new GetCommand({ ...this.#capacity, TableName: this.#table, Key: HEALTH_KEY }),
      ),
    );
  }

  async liveRegistrations(service: string, nowMs: number): Promise<LiveRegistration[]> {
    const items = await this.#queryService<{ id: string; owner: string }>(
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
            ConditionExpression: "#owner = :owner AND #last_seen = :last_seen",
            ExpressionAttributeNames: { "#owner": "owner", "#last_seen": "last_seen" },
            ExpressionAttributeValues: { ":owner": owner, ":last_seen": lastSeenMs },
          }),
        ),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async serviceNames(): Promise<string[]> {
    const names: string[] = [];
    await this.#queryAll(
      "serviceNames",
      {
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": CATALOG_PK },
        ProjectionExpression: "sk",
        // The caps must see a service catalogued by a creation that has just landed.
        ConsistentRead: true,
      },
      (item) => names.push(serviceFromCatalogSk(item.sk as string)),
    );
    return names.sort();
  }

  /**
   * One conditional UpdateItem, like a heartbeat, but with the source's owner and a lease of
   * the caller's choosing. The condition is the heartbeat's without the rate floor: the
   * reconciler writes at most once a pass.
   */
  async upsertSourced(input: SourcedInput): Promise<"written" | "conflict"> {
    const { service, id, fields, source, leaseSeconds, registeredAtMs, nowMs } = input;
    const owner = sourceOwner(source);
    const lease = leaseValues({
      service,
      id,
      fields,
      source,
      owner,
      ttl: leaseSeconds,
      nowMs,
    });
    const {
      sets,
      names,
      values: exprValues,
    } = setExpression({
      ...lease,
      registered_at: registeredAtMs,
    });
    exprValues[":now_s"] = Math.floor(nowMs / 1000);
    try {
      await this.#call("upsertSourced", () =>
        this.#doc.send(
          new UpdateCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: instanceKey(service, id),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression:
              "attribute_not_exists(pk) OR #expires_at <= :now_s OR #owner = :owner",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: exprValues,
          }),
        ),
      );
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return "conflict";
      throw err;
    }
    await this.#ensureCatalogued(service, "upsertSourced.catalog");
    return "written";
  }

  async remove(service: string, id: string, expect: RemoveExpectation): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions = ["attribute_exists(pk)"];
    if (expect.owner !== undefined) {
      names["#owner"] = "owner";
      values[":owner"] = expect.owner;
      conditions.push("#owner = :owner");
    }
    Object.entries(expect.metadata ?? {}).forEach(([key, value], i) => {
      names["#metadata"] = "metadata";
      names[`#m${i}`] = key;
      values[`:m${i}`] = value;
      conditions.push(`#metadata.#m${i} = :m${i}`);
    });
    try {
      await this.#call("remove", () =>
        this.#doc.send(
          new DeleteCommand({
            ...this.#capacity,
            TableName: this.#table,
            Key: instanceKey(service, id),
            ConditionExpression: conditions.join(" AND "),
            ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
            ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          }),
        ),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async reconcileStates(): Promise<ReconcileState[]> {
    const states: ReconcileState[] = [];
    await this.#queryAll(
      "reconcileStates",
      {
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": RECONCILE_PK },
        ConsistentRead: true,
      },
      (item) => {
        const state = fromStateItem(item);
        if (state) states.push(state);
      },
    );
    return states;
  }

  async putReconcileState(state: ReconcileState): Promise<void> {
    await this.#call("putReconcileState", () =>
      this.#doc.send(
        new PutCommand({
          ...this.#capacity,
          TableName: this.#table,
          Item: { ...reconcileKey(state.name), ...toStateItem(state) },
        }),
      ),
    );
  }

  /**
   * Makes sure the service is in the catalog, once per service per process, so a fleet
   * booting into one service costs one write a node.
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

  /** Every live item of a service: all shards in parallel, every page of each. */
  async #queryService<T>(service: string, nowMs: number, projection?: string): Promise<T[]> {
    const pages = await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        const items: T[] = [];
        const names: Record<string, string> = { "#expires_at": "expires_at" };
        for (const name of ["status", "owner", "id"]) {
          if (projection?.includes(`#${name}`)) names[`#${name}`] = name;
        }
        await this.#queryAll(
          "list",
          {
            TableName: this.#table,
            KeyConditionExpression: "pk = :pk",
            FilterExpression: "#expires_at > :now_s",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ":pk": servicePartition(service, shard),
              ":now_s": Math.floor(nowMs / 1000),
            },
            ConsistentRead: true,
            ...(projection ? { ProjectionExpression: projection } : {}),
          },
          (item) => items.push(item as T),
        );
        return items;
      }),
    );
    return pages.flat();
  }

  async #queryAll(
    operation: string,
    input: QueryCommandInput,
    each: (item: Record<string, unknown>) => void,
  ): Promise<void> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = start ? { ExclusiveStartKey: start } : {};
      const out = await this.#call(operation, () =>
        this.#doc.send(
          new QueryCommand({ ...this.#capacity, ...this.#pageLimit, ...input, ...page }),
        ),
      );
      for (const item of out.Items ?? []) each(item);
      start = out.LastEvaluatedKey;
    } while (start);
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
