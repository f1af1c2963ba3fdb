import { engine } from "../engines/index.js";
import { fuzzReads } from "./reads.js";

// On SQLite, in the unit project, at the full run counts (test/fuzz/support.ts).
fuzzReads(engine("sqlite"));
