import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { TokenItem, TokenStore } from "../store.js";
import { documentClient } from "./client.js";
import { classifyStoreError } from "./errors.js";

/**
 * Scoped tokens live in the registry's one table under `pk = token`, `sk = <hash>`: the
 * SHA-256 of the token (shared/auth/scoped-tokens.ts), never the token. A few hundred tokens
 * at most, so one partition is plenty, and a lookup is one GetItem by key.
 */
export const TOKEN_PK = "token";

/** A token as the table holds it: the port's item with its hash as the sort key. */
type TokenTableItem = Omit<TokenItem, "hash"> & { pk: typeof TOKEN_PK; sk: string };

function toTableItem({ hash, ...rest }: TokenItem): TokenTableItem {
  return { pk: TOKEN_PK, sk: hash, ...rest };
}

function fromTableItem(raw: Record<string, unknown>): TokenItem {
  const { pk: _pk, sk, ...rest } = raw as TokenTableItem;
  return { hash: sk, ...rest };
}

/** The token items' reads and writes in the DynamoDB table. */
export class TokenTable implements TokenStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#doc = documentClient(client);
    this.#table = tableName;
  }

  /** Writes a new token; refuses to replace one (a 256-bit collision would be a bug). */
  async put(item: TokenItem): Promise<void> {
    await call(() =>
      this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: toTableItem(item),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  /**
   * One token by its hash. Strongly consistent: a token revoked a moment ago in another
   * process must not verify from a stale replica.
   */
  async get(hash: string): Promise<TokenItem | undefined> {
    const out = await call(() =>
      this.#doc.send(
        new GetCommand({
          TableName: this.#table,
          Key: { pk: TOKEN_PK, sk: hash },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? fromTableItem(out.Item) : undefined;
  }

  /** Every token item, expired or not, following every page (bounded by the table's size). */
  async list(idPrefix = ""): Promise<TokenItem[]> {
    const items: TokenItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = start;
      const out = await call(() =>
        this.#doc.send(
          new QueryCommand({
            TableName: this.#table,
            // A key condition may not compare with an empty string: no prefix, no begins_with.
            KeyConditionExpression:
              idPrefix === "" ? "pk = :pk" : "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues:
              idPrefix === "" ? { ":pk": TOKEN_PK } : { ":pk": TOKEN_PK, ":prefix": idPrefix },
            ConsistentRead: true,
            ExclusiveStartKey: page,
          }),
        ),
      );
      for (const item of out.Items ?? []) items.push(fromTableItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async remove(hash: string): Promise<void> {
    await call(() =>
      this.#doc.send(
        new DeleteCommand({ TableName: this.#table, Key: { pk: TOKEN_PK, sk: hash } }),
      ),
    );
  }
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classifyStoreError(err);
  }
}
