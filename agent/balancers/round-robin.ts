import type { Balancer, Pickable } from "./balancer.js";

/**
 * Each instance in turn. The registry lists instances ordered by id, so the turn order holds
 * across refreshes; a list that grows or shrinks only shifts where the turn resumes.
 */
export class RoundRobin implements Balancer {
  readonly name = "round-robin";
  #next = 0;

  pick<T extends Pickable>(instances: readonly T[]): T | undefined {
    if (instances.length === 0) return undefined;
    const picked = instances[this.#next % instances.length];
    // Wrapped well below 2^53 so the counter never loses precision on a long-lived client.
    this.#next = (this.#next + 1) % 1_000_000_007;
    return picked;
  }

  release(): void {}
}
