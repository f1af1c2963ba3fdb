import type { Rng } from "../rng.js";

/** What a balancer needs of an instance; `Instance` from the registry fits. */
export interface Pickable {
  id: string;
  /** 1-1000, as the registry stores it. */
  weight: number;
}

/** Picks one instance of a list (the `Balancer` interface callers plug in). */
export interface Balancer {
  readonly name: BalancerName;
  /** Undefined only for an empty list. */
  pick<T extends Pickable>(instances: readonly T[]): T | undefined;
  /**
   * The caller is done with a pick. Only the connection-counting balancers keep score; for the
   * others it does nothing.
   */
  release(instance: Pickable): void;
}

export const BALANCER_NAMES = [
  "round-robin",
  "random",
  "weighted-round-robin",
  "least-connections",
  "power-of-two",
] as const;
export type BalancerName = (typeof BALANCER_NAMES)[number];

/**
 * Requests in flight per instance id, for least-connections and power-of-two. Shareable, so
 * that several balancers (or a test) see the same load.
 */
export class InFlight {
  readonly #counts = new Map<string, number>();

  count(id: string): number {
    return this.#counts.get(id) ?? 0;
  }

  /** Requests in flight per unit of weight: a weight-10 instance carries ten times the load. */
  load(instance: Pickable): number {
    return this.count(instance.id) / Math.max(1, instance.weight);
  }

  acquire(id: string): void {
    this.#counts.set(id, this.count(id) + 1);
  }

  release(id: string): void {
    const n = this.count(id) - 1;
    // Deleted at zero so that instances long gone do not pile up in the map.
    if (n > 0) this.#counts.set(id, n);
    else this.#counts.delete(id);
  }
}

/**
 * What least-connections and power-of-two share: a random source for their draws, and the
 * in-flight counts their picks add to and `release` takes from.
 */
export abstract class CountingBalancer implements Balancer {
  abstract readonly name: BalancerName;
  protected readonly rng: Rng;
  readonly inFlight: InFlight;

  constructor(options: { rng?: Rng; inFlight?: InFlight } = {}) {
    this.rng = options.rng ?? Math.random;
    this.inFlight = options.inFlight ?? new InFlight();
  }

  abstract pick<T extends Pickable>(instances: readonly T[]): T | undefined;

  release(instance: Pickable): void {
    this.inFlight.release(instance.id);
  }
}
