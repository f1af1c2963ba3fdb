import { describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/logging.js";
import { recordPass, SOURCES } from "../../shared/reconcile/pass-record.js";
import { emptyState } from "../../shared/reconcile/status.js";
import type { ReconcileState } from "../../shared/store/store.js";
import { engine } from "../engines/index.js";
import { freshStorage } from "../support/stores.js";

const on = (name: string): ReconcileState => ({
  ...emptyState(name, true, 1_000),
  next_run: 61_000,
  ok: true,
  found: 2,
  instances: 2,
  accepted: 2,
});

async function record(states: ReconcileState[], followed: string[] = []) {
  const { store } = await freshStorage(engine("sqlite"));
  for (const s of states) await store.putReconcileState(s);
  const previous = new Map((await store.reconcileStates()).map((s) => [s.name, s]));
  await recordPass({
    store,
    outcomes: { removed: new Set() },
    previous,
    startedAt: 120_000,
    now: () => 120_000,
    intervalSeconds: 60,
    logger: silentLogger,
    followed,
  });
  return new Map((await store.reconcileStates()).map((s) => [s.name, s]));
}

describe("recordPass, for the sources a pass did not run", () => {
  it("writes nothing for a source never configured", async () => {
    expect([...(await record([])).keys()]).toEqual([]);
  });

  it("records a source turned off, keeping when it last ran", async () => {
    const after = await record([on(SOURCES.ec2)]);
    expect(after.get(SOURCES.ec2)).toMatchObject({ enabled: false, last_run: 1_000, ok: null });
  });

  it("leaves a followed source's state to whoever follows it (local mode's Kubernetes watch)", async () => {
    const after = await record([on(SOURCES.kubernetes)], [SOURCES.kubernetes]);
    expect(after.get(SOURCES.kubernetes)).toEqual(on(SOURCES.kubernetes));
  });
});
