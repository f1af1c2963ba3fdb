import { engine } from "../engines/index.js";
import { fuzzRegressions } from "./regressions.js";

// On SQLite, in the unit project, at the full run counts (test/fuzz/support.ts).
fuzzRegressions(engine("sqlite"));
