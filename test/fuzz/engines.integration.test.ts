import { engines } from "../engines/index.js";
import { fuzzReads } from "./reads.js";
import { fuzzRegressions } from "./regressions.js";
import { fuzzWrites } from "./writes.js";

/**
 * The same properties on every engine but SQLite (whose run, at the full counts, is the unit
 * project's: reads.test.ts, writes.test.ts, regressions.test.ts). Each request that reaches the
 * store is a round trip to a server here, so a share of the runs: enough to cross every
 * ownership rule on the engine's own copy of it, in about half a minute on DynamoDB Local (0.5 took 33 s on an idle 2-core machine).
 */
const SHARE = 0.4;

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  fuzzReads(engine, SHARE);
  fuzzWrites(engine, SHARE);
  fuzzRegressions(engine);
}
