import { mapLimit } from "../map-limit.js";
import type { Instance } from "../model/instance.js";
import type { ReconcilerStore } from "../store/store.js";

/**
 * Every live instance of every service, read once at the start of a pass. All or nothing: a
 * partial picture would make instances look gone, and the pass would remove or deregister them.
 */
export async function registrySnapshot(
  store: ReconcilerStore,
  nowMs: number,
  options: { concurrency: number; signal?: AbortSignal },
): Promise<Instance[]> {
  const names = await store.serviceNames();
  const lists = await mapLimit(names, options.concurrency, options.signal, (name) =>
    store.list(name, nowMs),
  );
  if (lists.some((list) => list === undefined)) {
    throw new Error("the pass ran out of time while reading the registry");
  }
  return lists.flat() as Instance[];
}

export function instanceKey(service: string, id: string): string {
  return `${service}\u0000${id}`;
}
