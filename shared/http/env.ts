import type { Principal } from "../model/principal.js";

/** Hono's per-request variables for this app. */
export interface AppEnv {
  Variables: {
    /** Undefined only for a read of a public service made without a token. */
    principal: Principal | undefined;
  };
}
