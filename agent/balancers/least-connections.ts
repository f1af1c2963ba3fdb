import type { Rng } from "../rng.js";
import { type Balancer, InFlight, type Pickable } from "./balancer.js";

/**
 * The instance with the fewest requests in flight per unit of weight. Ties go to a random one
 * of the tied, so a fleet of fresh clients does not all start on the first id.
 */
export class LeastConnections implements Balancer {
  readonly name = "least-connections";
  readonly #rng: Rng;
  readonly inFlight: InFlight;

  constructor(options: { rng?: Rng; inFlight?: InFlight } = {}) {
    this.#rng = options.rng ?? Math.random;
    this.inFlight = options.inFlight ?? new InFlight();
  }

  pick<T extends Pickable>(instances: readonly T[]): T | undefined {
    let tied: T[] = [];
    let least = Number.POSITIVE_INFINITY;
    for (const instance of instances) {
      const load = this.inFlight.load(instance);
      if (load < least) {
        least = load;
        tied = [instance];
      } else if (load === least) {
        tied.push(instance);
      }
    }
    const picked = tied[Math.floor(this.#rng() * tied.length)];
    if (picked) this.inFlight.acquire(picked.id);
    return picked;
  }

  release(instance: Pickable): void {
    this.inFlight.release(instance.id);
  }
}
