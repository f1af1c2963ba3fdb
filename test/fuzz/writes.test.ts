import { engine } from "../engines/index.js";
import { fuzzWrites } from "./writes.js";

// On SQLite, in the unit project, at the full run counts (test/fuzz/support.ts).
fuzzWrites(engine("sqlite"));
