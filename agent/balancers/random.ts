import type { Rng } from "../rng.js";
import type { Balancer, Pickable } from "./balancer.js";

/** Uniform choice, weights ignored: no state, so many clients need no coordination. */
export class RandomBalancer implements Balancer {
  readonly name = "random";
  readonly #rng: Rng;

  constructor(options: { rng?: Rng } = {}) {
    this.#rng = options.rng ?? Math.random;
  }

  pick<T extends Pickable>(instances: readonly T[]): T | undefined {
    if (instances.length === 0) return undefined;
    return instances[Math.floor(this.#rng() * instances.length)];
  }

  release(): void {}
}
