import { type Context, Hono } from "hono";
import type { UiAssets } from "../../ui/assets.js";
import { acceptsGzip, matches } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";

/**
 * The page may load its own script, style and icon and talk to its own origin, nothing else:
 * no inline script or style, no other origin's code or fonts, no frames, no forms elsewhere.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": UI_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * `/ui`: the read-only web UI (docs/ui.md). Its files need no token (they hold no data; the
 * page reads the API with the credential it is given). The page itself is revalidated every
 * time; its script and style are named by their content and cached for a year.
 */
export function uiRoutes(assets: () => Promise<UiAssets>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const serve = async (c: Context<AppEnv>) => {
    let ui: UiAssets;
    try {
      ui = await assets();
    } catch (err) {
      throw new ApiError(
        404,
        "ui_unavailable",
        `this registry serves no UI: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const file = ui.get(c.req.param("name") ?? "");
    if (!file) throw new ApiError(404, "not_found", "no such file in the UI");
    const gzip = file.gzip !== undefined && acceptsGzip(c.req.header("accept-encoding"));
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      ETag: file.etag,
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      Vary: "Accept-Encoding",
    };
    if (matches(c.req.header("if-none-match"), file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers["Content-Type"] = file.contentType;
    if (gzip) headers["Content-Encoding"] = "gzip";
    const body = gzip ? file.gzip : file.body;
    return new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers });
  };
  app.get("/", serve);
  app.get("/:name{.*}", serve);
  return app;
}
