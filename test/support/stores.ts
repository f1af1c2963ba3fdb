import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import {
  WRITE_METHOD_NAMES,
  type WriteMethodName,
  writeOutcome,
} from "../../shared/store/methods.js";
import { openStore } from "../../shared/store/open-store.js";
import type { OpenedStore, Store, StoreSettings, TokenStore } from "../../shared/store/store.js";
import { wrapMethods } from "../../shared/store/wrap-methods.js";
import type { Engine } from "../engines/index.js";

export interface StoreOptions {
  /**
   * Called after each write of the Store that changed what it serves, with the method's name
   * (shared/store/methods.ts), on every engine alike: the tests count writes with it.
   */
  onWrite?: (method: WriteMethodName) => void;
  /** StoreSettings.pageLimit: small values make a small table paginate. */
  pageLimit?: number;
}

export interface TestStorage {
  store: Store;
  tokens: TokenStore;
  /** What the store was opened with: its data folder, table name and the engine's endpoint. */
  settings: StoreSettings;
  /**
   * The same storage as another process sees it (another Lambda container, another
   * connection to the file): its own memory, its own caches.
   */
  another(options?: StoreOptions): Promise<{ store: Store; tokens: TokenStore }>;
  /** Closes every store opened on it and deletes the data folder (at the test's end by itself). */
  close(): void;
}

/**
 * A fresh, empty store on the engine, opened through the store registry like local mode's:
 * a new data folder (SQLite's file) and a new table name (DynamoDB's table, made on open),
 * so no engine needs code of its own here. Closed, and the folder deleted, when the test ends.
 */
export async function freshStorage(
  engine: Engine,
  options: StoreOptions = {},
): Promise<TestStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), "muster-store-"));
  const settings: StoreSettings = {
    dataDir,
    tableName: `muster-test-${randomUUID().slice(0, 8)}`,
    endpoint: engine.endpoint,
    region: "us-east-1",
    // The tests' clocks are not the machine's: nothing is swept behind their back.
    sweepIntervalMs: 0,
  };
  const opened: OpenedStore[] = [];
  const make = async (o: StoreOptions = {}) => {
    const storage = await openStore(engine.kind, { ...settings, pageLimit: o.pageLimit });
    opened.push(storage);
    const store = o.onWrite ? reportingWrites(storage.store, o.onWrite) : storage.store;
    return { store, tokens: storage.tokens };
  };
  const close = () => {
    for (const storage of opened.splice(0)) storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const first = await make(options);
  try {
    onTestFinished(close);
  } catch {
    // Called outside a test (beforeAll): the caller closes it (afterAll), or the OS's
    // temporary folder keeps the file.
  }
  return { ...first, settings, another: make, close };
}

/** `store` calling `onWrite` after each of its writes that wrote (methods.ts says which). */
function reportingWrites<S extends Store>(store: S, onWrite: (method: WriteMethodName) => void): S {
  return wrapMethods(store, WRITE_METHOD_NAMES, (name, method) => async (...args: unknown[]) => {
    const result = await method(...args);
    if (writeOutcome(name, args, result).wrote) onWrite(name);
    return result;
  });
}
