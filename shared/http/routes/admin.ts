import { Hono } from "hono";
import { joinCapabilityPath } from "../../auth/join-capability.js";
import { baseUrl, type PresignKeys, presignUrl } from "../../auth/presign.js";
import { type ScopedTokens, TOKEN_ID } from "../../auth/scoped-tokens.js";
import { role, servicePattern } from "../../auth/scopes.js";
import type { Format } from "../../formats/format.js";
import { formatPath, PRESIGNABLE } from "../../formats/registry.js";
import { instanceId, serviceName } from "../../model/names.js";
import * as z from "../../validation/zod.js";
import type { AppEnv } from "../env.js";
import { ApiError, invalidInput } from "../errors.js";
import { authorizeAdmin, type GuardDeps } from "../guard.js";
import { limitBody, readJson, requireJson } from "../json-body.js";

export interface AdminDeps extends GuardDeps {
  now: () => number;
  scopedTokens: ScopedTokens | undefined;
  presign: PresignKeys | undefined;
  /** MUSTER_BASE_URL: the origin of minted URLs when a request names none. */
  baseUrl: string | undefined;
}

/** Ten years: "never" is said by leaving the expiry out, not by a huge number. */
const MAX_TOKEN_SECONDS = 10 * 365 * 86_400;
/** A presigned URL is a bearer credential anyone holding it can use: keep it short-lived. */
export const MAX_PRESIGN_SECONDS = 90 * 86_400;

const newToken = z
  .strictObject({
    name: z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9._@:-][A-Za-z0-9._@: -]{0,63}$/,
          "must be 1-64 chars of A-Z a-z 0-9 . _ @ : - and spaces",
        ),
      ),
    role,
    services: z._default(z.array(servicePattern).check(z.maxLength(32)), []),
    /** Seconds from now; absent: the token does not expire. */
    expires_in: z.optional(z.int().check(z.gte(60), z.lte(MAX_TOKEN_SECONDS))),
  })
  .check(
    z.superRefine((t, ctx) => {
      if (t.role === "admin" && t.services.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["services"],
          message: "an admin token covers every service; leave services out",
        });
      }
      if (t.role !== "admin" && t.services.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["services"],
          message: `a ${t.role} token needs at least one service`,
        });
      }
    }),
  );

const presignRequest = z
  .strictObject({
    service: serviceName,
    /** A format's name; one presigned as `join` gets a join URL (shared/auth/join-capability.ts). */
    file: z.pipe(
      z.enum(PRESIGNABLE.map((f) => f.name) as [string, ...string[]]),
      z.transform((name) => PRESIGNABLE.find((f) => f.name === name) as Format),
    ),
    id: z.optional(instanceId),
    /** Seconds the URL works for. */
    ttl: z._default(z.int().check(z.gte(60), z.lte(MAX_PRESIGN_SECONDS)), 86_400),
    /**
     * Where joining nodes reach the registry (the CloudFront URL); default: MUSTER_BASE_URL,
     * else this request's own origin (its Host header).
     */
    base_url: z.optional(baseUrl),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (p.file.scope === "instance" && p.id === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["id"],
          message: `${p.file.name} needs the instance id`,
        });
      }
      if (p.file.scope !== "instance" && p.id !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["id"],
          message: `${p.file.name} is per service; leave id out`,
        });
      }
    }),
  );

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** `/v1/admin`: scoped tokens and presigned URLs, for admin tokens only. */
export function adminRoutes(deps: AdminDeps): Hono<AppEnv> {
  const { now } = deps;
  const app = new Hono<AppEnv>();

  const tokens = (): ScopedTokens => {
    if (!deps.scopedTokens) throw new ApiError(404, "not_found", "scoped tokens are not enabled");
    return deps.scopedTokens;
  };

  app.post("/tokens", requireJson, limitBody, async (c) => {
    const parsed = newToken.safeParse(await readJson(c));
    if (!parsed.success) throw invalidInput(parsed.error);
    const admin = authorizeAdmin(c, deps);
    const { name, role, services, expires_in } = parsed.data;
    const nowMs = now();
    const { token, info } = await tokens().create({
      name,
      role,
      services,
      ...(expires_in === undefined ? {} : { expiresAt: Math.floor(nowMs / 1000) + expires_in }),
      createdBy: admin.fingerprint,
      nowMs,
    });
    c.header("Cache-Control", "no-store");
    // The only time the token is ever shown.
    return c.json({ ...info, token }, 201);
  });

  app.get("/tokens", async (c) => {
    authorizeAdmin(c, deps);
    c.header("Cache-Control", "no-store");
    return c.json({ tokens: await tokens().list(now()) });
  });

  app.delete("/tokens/:id", async (c) => {
    const id = c.req.param("id");
    if (!TOKEN_ID.test(id)) {
      throw new ApiError(400, "invalid_input", "invalid id", [
        { path: "id", message: "must be a token id: 16 hex digits" },
      ]);
    }
    authorizeAdmin(c, deps);
    if (!(await tokens().revoke(id))) throw new ApiError(404, "not_found", `no token ${id}`);
    return c.body(null, 204);
  });

  app.post("/presign", requireJson, limitBody, async (c) => {
    const parsed = presignRequest.safeParse(await readJson(c));
    if (!parsed.success) throw invalidInput(parsed.error);
    authorizeAdmin(c, deps);
    await deps.presign?.refresh?.();
    if (!deps.presign?.signing()) {
      throw new ApiError(404, "not_found", "presigned URLs are not enabled (no presign key)");
    }
    const { service, file, id, ttl, base_url } = parsed.data;
    const expiresAt = Math.floor(now() / 1000) + ttl;
    const origin = base_url ?? deps.baseUrl ?? new URL(c.req.url).origin;
    const url =
      file.presign === "join"
        ? `${origin.replace(/\/+$/, "")}${joinCapabilityPath(deps.presign, service, expiresAt)}`
        : presignUrl({
            keys: deps.presign,
            baseUrl: origin,
            path: formatPath(file, service, id),
            expiresAt,
          });
    c.header("Cache-Control", "no-store");
    return c.json({ url, expires_at: iso(expiresAt) }, 201);
  });

  return app;
}
