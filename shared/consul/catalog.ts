import { mapLimit } from "../map-limit.js";
import { summaryCurrent } from "./view.js";
import type { ConsulViews } from "./views.js";

/** `GET /v1/catalog/services`: every service with a live instance, and the union of its tags. */
export interface CatalogView {
  /**
   * The sum of every service's index: each only rises, and services are never taken out of
   * the catalog, so the sum rises exactly when one of them does.
   */
  index: number;
  nextEventMs: number | null;
  services: Map<string, { tags: string[]; live: number }>;
}

/**
 * The catalog from every service's change index (one read of them all): a service whose
 * pinned summary still holds (store.ts ChangeIndex) is taken from it, where polling (Lambda),
 * so that a catalog read does not list every service; the others are read (views.ts).
 */
export async function readCatalog(views: ConsulViews, nowMs: number): Promise<CatalogView> {
  const records = [...(await views.store.changeIndexes())];
  const services = new Map<string, { tags: string[]; live: number }>();
  let index = 0;
  let nextEventMs: number | null = null;
  const event = (ms: number | null) => {
    if (ms !== null && (nextEventMs === null || ms < nextEventMs)) nextEventMs = ms;
  };
  const parts = await mapLimit(records, 8, undefined, async ([name, record]) => {
    if (!views.signalled && summaryCurrent(record, nowMs)) {
      return {
        name,
        index: record.hashAt,
        tags: record.tags,
        live: record.live,
        next: record.nextEventMs,
      };
    }
    const view = await views.view(name, nowMs, record);
    const tags = new Set<string>();
    for (const i of view.instances) for (const t of i.tags) tags.add(t);
    return {
      name,
      index: view.index,
      tags: [...tags].sort(),
      live: view.instances.length,
      next: view.nextEventMs,
    };
  });
  for (const part of parts) {
    if (!part) continue;
    index += part.index;
    event(part.next);
    if (part.live > 0) services.set(part.name, { tags: part.tags, live: part.live });
  }
  return { index: Math.max(1, index), nextEventMs, services };
}
