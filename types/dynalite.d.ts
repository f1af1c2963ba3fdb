// dynalite ships no type declarations and there is no @types package; this covers the part
// the tests and local mode use.
declare module "dynalite" {
  import type { Server } from "node:http";

  interface DynaliteOptions {
    /** LevelDB directory; in-memory when omitted. */
    path?: string;
    /** Milliseconds a table stays CREATING / DELETING / UPDATING (default 500). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    ssl?: boolean;
    verbose?: boolean;
    debug?: boolean;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
