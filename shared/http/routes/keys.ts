import { Hono } from "hono";
import type { SigningSource } from "../../signing/source.js";
import { cacheableJson } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";

export interface KeysDeps {
  signing: SigningSource | undefined;
  now: () => number;
}

/** The path of the public keys document; RFC 8615's well-known space, open like /health. */
export const KEYS_PATH = "/.well-known/muster-keys.json";

/**
 * `/.well-known/muster-keys.json`: the public keys that verify the registry's signatures.
 * Open to all (public keys are not secret) and cacheable like any read. Not itself signed: a
 * key set vouching for itself proves nothing; trust in it comes from TLS or from pinning it.
 */
export function keysRoute({ signing, now }: KeysDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/muster-keys.json", async (c) => {
    if (!signing) throw new ApiError(404, "signing_disabled", "this registry does not sign");
    let keys: Awaited<ReturnType<SigningSource["keys"]>>;
    try {
      keys = await signing.keys();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ApiError(503, "signing_unavailable", message, undefined, { "Retry-After": "5" });
    }
    return cacheableJson(c, keys.document(now()), true);
  });
  return app;
}
