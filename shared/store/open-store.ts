import { openDynamoStore } from "./dynamodb/open.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { OpenedStore, StoreOpener, StoreSettings } from "./store.js";

/**
 * Every storage engine, by the name `MUSTER_STORE` gives it: adding an engine is its folder
 * and one line here. Local mode and the tests open stores through this; the Lambda functions
 * do not (their bundles must not carry node:sqlite).
 */
const ENGINES = {
  sqlite: openSqliteStore,
  dynamodb: openDynamoStore,
} satisfies Record<string, StoreOpener>;

export type StoreKind = keyof typeof ENGINES;

/** The engines' names, in the order above (the first is local mode's default). */
export const STORE_KINDS = Object.keys(ENGINES) as StoreKind[];

export function isStoreKind(name: string): name is StoreKind {
  return Object.hasOwn(ENGINES, name);
}

export function openStore(kind: StoreKind, settings: StoreSettings): Promise<OpenedStore> {
  return ENGINES[kind](settings);
}
