import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import {
  CHANGE_KINDS,
  CHANGES_KEY,
  type Change,
  type ChangeKind,
  type ChangeLog,
} from "../../changes/change-log.js";
import { jsonRendered } from "../../formats/format.js";
import { isoSeconds } from "../../model/instance.js";
import { serviceName } from "../../model/names.js";
import type { SigningSource } from "../../signing/source.js";
import type { RegistryStore } from "../../store/store.js";
import * as z from "../../validation/zod.js";
import { type BlockingReads, blockingAnswer, waitParam } from "../blocking.js";
import type { AppEnv } from "../env.js";
import { invalidInput } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";
import { RenderedAnswer } from "../rendered-answer.js";
import { signerOf } from "../signer.js";
import { WaitingReads } from "../waiting-reads.js";

export interface ChangesDeps extends GuardDeps {
  store: RegistryStore;
  now: () => number;
  signing?: SigningSource;
  /** `?wait=`; in local mode the log's own feed wakes a waiting read. */
  blocking?: BlockingReads;
  /** Local mode: every join, leave and status change since the process began. */
  log?: ChangeLog;
}

export const MAX_CHANGES = 500;
const DEFAULT_CHANGES = 100;

/** What each source of history can tell: a log saw everything; a table holds its members. */
const LOGGED: readonly ChangeKind[] = CHANGE_KINDS;
const FROM_TABLE: readonly ChangeKind[] = ["joined"];

function wire(c: Change) {
  return {
    at: isoSeconds(c.at),
    service: c.service,
    id: c.id,
    change: c.change,
    status: c.status,
    previous_status: c.previousStatus ?? null,
    source: c.source,
    address: c.address,
    reason: c.reason ?? null,
  };
}

/**
 * `GET /v1/changes`: the recent joins, leaves and status changes of the services the caller
 * may read, newest first (docs/api.md). Local mode answers from its change log; a registry
 * without one (Lambda) from what the table holds: the joins of its live instances.
 */
export function changesRoute(deps: ChangesDeps): Hono<AppEnv> {
  const { store, now, log } = deps;
  const app = new Hono<AppEnv>();
  const signer = signerOf(deps.signing);

  // In local mode the log's own feed wakes a waiting read (it signals under CHANGES_KEY).
  const blocking = log && deps.blocking ? { ...deps.blocking, feed: log.feed } : deps.blocking;
  const waits = blocking && new WaitingReads({ feed: blocking.feed, pollMs: blocking.pollMs, now });

  /** What the caller may see: one service, or every service its principal may read. */
  const scopeOf = (
    c: Context<AppEnv>,
  ): { include: (s: string) => boolean; one?: string; key: string } => {
    const asked = c.req.query("service");
    if (asked !== undefined) {
      const parsed = serviceName.safeParse(asked);
      if (!parsed.success) throw invalidInput(parsed.error, "service");
      authorize(c, deps, "read", parsed.data);
      return { include: (s) => s === parsed.data, one: parsed.data, key: `one:${parsed.data}` };
    }
    const principal = c.get("principal");
    if (principal) rateLimit(deps, principal);
    return {
      key: `all:${principal?.fingerprint ?? "-"}`,
      include: (s) =>
        deps.publicServices.has(s) || (principal !== undefined && inScope(principal, s)),
    };
  };

  const fromTable = async (
    scope: { include: (s: string) => boolean; one?: string },
    limit: number,
  ): Promise<Change[]> => {
    const nowMs = now();
    const names =
      scope.one !== undefined
        ? [scope.one]
        : (await store.services(nowMs)).map((s) => s.name).filter(scope.include);
    const joins: Change[] = [];
    for (const service of names) {
      for (const i of await store.list(service, nowMs)) {
        joins.push({
          at: Date.parse(i.registered_at),
          service,
          id: i.id,
          change: "joined",
          status: i.status,
          source: i.source,
          address: i.address,
        });
      }
    }
    return joins.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1)).slice(0, limit);
  };

  app.get("/", async (c) => {
    const limitRaw = c.req.query("limit");
    let limit = DEFAULT_CHANGES;
    if (limitRaw !== undefined) {
      const parsed = z.coerce
        .number()
        .check(z.int(), z.gte(1), z.lte(MAX_CHANGES))
        .safeParse(limitRaw);
      if (!parsed.success) throw invalidInput(parsed.error, "limit");
      limit = parsed.data;
    }
    const waitSeconds = waitParam(c, blocking);
    const scope = scopeOf(c);
    return blockingAnswer(c, {
      service: CHANGES_KEY,
      // Held reads of one scope and limit see the same answer, and wait together.
      key: JSON.stringify([scope.key, limit]),
      waitSeconds,
      blocking,
      waits,
      signer,
      render: async () => {
        const changes = log
          ? log.recent(scope.include, limit, now())
          : await fromTable(scope, limit);
        return new RenderedAnswer(
          jsonRendered({ changes: changes.map(wire), kinds: log ? LOGGED : FROM_TABLE }),
        );
      },
    });
  });
  return app;
}
