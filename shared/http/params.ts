import type { Context } from "hono";
import type { Instance } from "../model/instance.js";
import { instanceId, serviceName } from "../model/names.js";
import { type StatusFilter, statusFilter, tagFilter } from "../model/query.js";
import * as z from "../validation/zod.js";
import { invalidInput } from "./errors.js";

function parseOr400<T>(schema: z.ZodMiniType<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error, name);
  return result.data;
}

export function serviceParam(c: Context): string {
  return parseOr400(serviceName, c.req.param("service"), "service");
}

export function idParam(c: Context): string {
  return parseOr400(instanceId, c.req.param("id"), "id");
}

export interface Filters {
  /** Undefined: the endpoint's default. */
  status: StatusFilter | undefined;
  /** An instance must carry every one of these. */
  tags: string[];
}

export function filtersOf(c: Context): Filters {
  const status = c.req.query("status");
  return {
    status: status === undefined ? undefined : parseOr400(statusFilter, status, "status"),
    tags: parseOr400(z.array(tagFilter).check(z.maxLength(32)), c.req.queries("tag") ?? [], "tag"),
  };
}

/**
 * Applies `?status=` and `?tag=`. `hideCritical` is the default of the lists a joining node
 * reads: a critical node is left out unless `?status=any` or `?status=critical` asks for it.
 */
export function applyFilters(
  instances: Instance[],
  filters: Filters,
  hideCritical: boolean,
): Instance[] {
  const { status, tags } = filters;
  return instances.filter((i) => {
    if (
      status === undefined
        ? hideCritical && i.status === "critical"
        : status !== "any" && i.status !== status
    ) {
      return false;
    }
    return tags.every((t) => i.tags.includes(t));
  });
}

/** Largest `?limit=` of a paged `/instances`. */
export const MAX_PAGE_LIMIT = 1000;
const DEFAULT_PAGE_LIMIT = 500;

/**
 * `?limit=&cursor=` of `/instances`; undefined when neither is given (the whole list). The
 * cursor is the store's own and is checked there.
 */
export function pageOf(c: Context): { limit: number; cursor: string | undefined } | undefined {
  const limit = c.req.query("limit");
  const cursor = c.req.query("cursor");
  if (limit === undefined && cursor === undefined) return undefined;
  return {
    limit:
      limit === undefined
        ? DEFAULT_PAGE_LIMIT
        : parseOr400(
            z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_LIMIT)),
            limit,
            "limit",
          ),
    cursor:
      cursor === undefined
        ? undefined
        : parseOr400(z.string().check(z.minLength(1), z.maxLength(512)), cursor, "cursor"),
  };
}
