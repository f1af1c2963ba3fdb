import type { Store } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: any method of Store, whatever it takes
type AnyMethod = (...args: any[]) => Promise<unknown>;

/** How a write of the Store says what it did, typed against the method it describes. */
export interface WriteMethod<F extends AnyMethod> {
  /** The service the call writes to, from its arguments; undefined when it writes to none. */
  service(...args: Parameters<F>): string | undefined;
  /** Whether the call changed what the store serves, from its result. */
  wrote(result: Awaited<ReturnType<F>>): boolean;
}

type Classified = {
  [K in keyof Store]: "read" | (Store[K] extends AnyMethod ? WriteMethod<Store[K]> : never);
};

/**
 * Every method of Store, a read or a write. `satisfies` makes the table exhaustive both
 * ways: a method added to Store, or renamed, fails to compile until it is classified here, so
 * the hooks built on it (the change feed, the write counts, the metrics' timings) cannot miss
 * it silently.
 */
export const STORE_METHODS = {
  heartbeat: {
    service: (input) => input.service,
    wrote: (result) => result.kind === "created" || result.kind === "renewed",
  },
  deregister: { service: (service) => service, wrote: (result) => result === "deleted" },
  // The caps' undoing of a creation they refused.
  withdraw: { service: (service) => service, wrote: (removed) => removed },
  upsertSourced: { service: (input) => input.service, wrote: (result) => result === "written" },
  remove: { service: (service) => service, wrote: (removed) => removed },
  // The reconciler's bookkeeping: a write, but to no service.
  putReconcileState: { service: () => undefined, wrote: () => true },
  putChecked: { service: (input) => input.service, wrote: (result) => result === "written" },
  // A reader's pin of what it saw: waiting readers of the service look again.
  settleIndex: { service: (service) => service, wrote: (settled) => settled !== undefined },
  putAlias: { service: () => undefined, wrote: () => true },
  deleteAlias: { service: () => undefined, wrote: () => true },
  claimWatch: { service: () => undefined, wrote: (result) => result.ok },
  record: "read",
  changeIndex: "read",
  changeIndexes: "read",
  getAlias: "read",
  get: "read",
  list: "read",
  listPage: "read",
  services: "read",
  ping: "read",
  liveRegistrations: "read",
  serviceNames: "read",
  reconcileStates: "read",
} satisfies Classified;

export type StoreMethodName = keyof typeof STORE_METHODS;
export type WriteMethodName = {
  [K in StoreMethodName]: (typeof STORE_METHODS)[K] extends "read" ? never : K;
}[StoreMethodName];

/** Every method of Store, in the table's order. */
export const STORE_METHOD_NAMES = Object.keys(STORE_METHODS) as StoreMethodName[];

/** The writes among them. */
export const WRITE_METHOD_NAMES = STORE_METHOD_NAMES.filter(
  (name): name is WriteMethodName => STORE_METHODS[name] !== "read",
);

/**
 * What a call of the write `name` did: the service it wrote to (if any) and whether it wrote,
 * for a wrapper that sees the arguments and the result untyped.
 */
export function writeOutcome(
  name: WriteMethodName,
  args: unknown[],
  result: unknown,
): { wrote: boolean; service: string | undefined } {
  // One cast, here: the table above is typed method by method; a wrapper calls it by name.
  const write = STORE_METHODS[name] as unknown as {
    service(...args: unknown[]): string | undefined;
    wrote(result: unknown): boolean;
  };
  return { wrote: write.wrote(result), service: write.service(...args) };
}
