import { fromStateItem, toStateItem } from "../reconcile-item.js";
import type { ReconcileState } from "../store.js";
import type { SqliteDatabase } from "./database.js";

/**
 * The reconciler's per-source state, one JSON row per source. Read back through the same
 * parser as the DynamoDB items, so a row left by another version is dropped, not served.
 */
export function readReconcileStates(db: SqliteDatabase): ReconcileState[] {
  const rows = db.statement("SELECT name, state FROM reconcile_states ORDER BY name").all() as {
    name: string;
    state: string;
  }[];
  const states: ReconcileState[] = [];
  for (const row of rows) {
    let item: unknown;
    try {
      item = JSON.parse(row.state);
    } catch {
      continue;
    }
    const state = fromStateItem({ ...(item as Record<string, unknown>), sk: row.name });
    if (state) states.push(state);
  }
  return states;
}

/** Call inside SqliteDatabase.write. */
export function writeReconcileState(db: SqliteDatabase, state: ReconcileState): void {
  db.statement("INSERT OR REPLACE INTO reconcile_states (name, state) VALUES (?, ?)").run(
    state.name,
    JSON.stringify(toStateItem(state)),
  );
}
