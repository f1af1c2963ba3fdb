import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { type BenchContext, expectHeartbeat, heartbeatJson } from "./fixture.js";
import { rawHeartbeat } from "./heartbeat.js";
import { getPeers, PEERS_SERVICE, rawPeers } from "./peers.js";

const SERVICE = "bench-capacity";
const RAW_SERVICE = "bench-capacity-raw";

/** Capacity units one request consumed, per store operation; undefined when none reported. */
export interface Consumed {
  total: number | undefined;
  /** "operation units×calls", e.g. "list 8×8". */
  detail: string;
}

export interface CapacityResult {
  firstHeartbeat: Consumed;
  /** A new id in a service this process has already written to the catalog. */
  nextHeartbeat: Consumed;
  renewal: Consumed;
  peers: Consumed;
  rawFirst: number | undefined;
  rawRenewal: number | undefined;
  rawPeers: number | undefined;
  rawPeersCalls: number;
}

/**
 * Runs one request through an app whose store has the `onConsumedCapacity` hook and adds up
 * CapacityUnits per operation. An engine that returns no ConsumedCapacity leaves it undefined.
 */
async function consumed(
  ctx: BenchContext,
  request: (app: ReturnType<BenchContext["appWith"]>) => Promise<unknown>,
  /** Run first and not counted: puts the app's store in the state to measure from. */
  warm?: (app: ReturnType<BenchContext["appWith"]>) => Promise<unknown>,
): Promise<Consumed> {
  const units = new Map<string, { units: number; calls: number }>();
  let reported = false;
  let counting = !warm;
  const app = ctx.appWith({
    onConsumedCapacity: (operation: string, capacity: ConsumedCapacity) => {
      if (!counting) return;
      const entry = units.get(operation) ?? { units: 0, calls: 0 };
      entry.calls++;
      if (capacity.CapacityUnits !== undefined) {
        reported = true;
        entry.units += capacity.CapacityUnits;
      }
      units.set(operation, entry);
    },
  });
  if (warm) await warm(app);
  counting = true;
  await request(app);
  if (!reported) return { total: undefined, detail: "" };
  let total = 0;
  const parts: string[] = [];
  for (const [operation, entry] of units) {
    total += entry.units;
    parts.push(`${operation} ${entry.units}${entry.calls > 1 ? ` in ${entry.calls} calls` : ""}`);
  }
  return { total, detail: parts.join(" + ") };
}

export async function benchCapacity(ctx: BenchContext): Promise<CapacityResult> {
  const firstHeartbeat = await consumed(ctx, (app) =>
    expectHeartbeat(app, SERVICE, heartbeatJson(0, 0, 300), 201),
  );
  const nextHeartbeat = await consumed(
    ctx,
    (app) => expectHeartbeat(app, SERVICE, heartbeatJson(2, 0, 300), 201),
    (app) => expectHeartbeat(app, SERVICE, heartbeatJson(1, 0, 300), 201),
  );
  // Each figure runs on an app of its own, whose store has catalogued nothing yet: a renewal
  // is measured after one uncounted renewal, as in a process that has been running.
  const renewal = await consumed(
    ctx,
    (app) => expectHeartbeat(app, SERVICE, heartbeatJson(0, 2, 300), 200),
    (app) => expectHeartbeat(app, SERVICE, heartbeatJson(0, 1, 300), 200),
  );
  const peers = await consumed(ctx, (app) => getPeers(app, PEERS_SERVICE));
  const rawFirst = (await rawHeartbeat(ctx, RAW_SERVICE, 0, 0, true))?.CapacityUnits;
  const rawRenewal = (await rawHeartbeat(ctx, RAW_SERVICE, 0, 1, true))?.CapacityUnits;
  const raw = await rawPeers(ctx, PEERS_SERVICE, true);
  return {
    firstHeartbeat,
    nextHeartbeat,
    renewal,
    peers,
    rawFirst,
    rawRenewal,
    rawPeers: raw.units,
    rawPeersCalls: raw.calls,
  };
}
