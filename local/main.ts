import { requireNode } from "./node-version.js";

// `tsx local/main.ts` (older scripts and the tests): the same as `muster serve`. The version
// check runs before the server's modules load, since node:sqlite does not exist before 24.
requireNode();
process.argv.splice(2, process.argv.length - 2, "serve");
await import("./cli.js");
