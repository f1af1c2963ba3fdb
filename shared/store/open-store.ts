import type { OpenedStore, StoreOpener, StoreSettings } from "./store.js";

/**
 * Every storage engine, by the name `MUSTER_STORE` gives it: adding an engine is its folder
 * and one line here. Local mode and the tests open stores through this; the Lambda functions
 * do not (their bundles must not carry node:sqlite).
 *
 * Each engine is imported when it is opened, not before: local mode's bundle then evaluates
 * only the engine it runs (the DynamoDB engine and its SDK client cost some 25 MB of memory
 * in a process that never uses them).
 */
const ENGINES = {
  sqlite: async (settings) => (await import("./sqlite/index.js")).openSqliteStore(settings),
  dynamodb: async (settings) => (await import("./dynamodb/open.js")).openDynamoStore(settings),
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
