import * as z from "../validation/zod.js";
import type { Environment } from "./names.js";
import { readSection, variablesOf } from "./read.js";

const schema = z.object({
  MUSTER_REGISTRY: z.optional(z.string()),
  MUSTER_TOKEN: z.optional(z.string()),
  MUSTER_DATA_DIR: z._default(z.string(), ".muster"),
  MUSTER_SIGNING_GRACE: z.optional(z.string()),
});

export const ADMIN_CLI_VARIABLES = variablesOf(schema);

/**
 * The admin CLIs' defaults for their flags (`npm run token`, `presign`, `keys`): each flag
 * wins over its variable, and the CLI checks the value it ends up with.
 */
export interface AdminCliSettings {
  /** MUSTER_REGISTRY: the registry the admin requests go to. */
  registry: string | undefined;
  /** MUSTER_TOKEN: an admin token. */
  token: string | undefined;
  /** MUSTER_DATA_DIR: local mode's data folder (its token, its signing keys). */
  dataDir: string;
  /** MUSTER_SIGNING_GRACE: how long a retired signing key stays valid (`7d`, `12h`, seconds). */
  signingGrace: string | undefined;
}

export function readAdminCliSettings(env: Environment): AdminCliSettings {
  const d = readSection(schema, env);
  return {
    registry: d.MUSTER_REGISTRY,
    token: d.MUSTER_TOKEN,
    dataDir: d.MUSTER_DATA_DIR,
    signingGrace: d.MUSTER_SIGNING_GRACE,
  };
}
