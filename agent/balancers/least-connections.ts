import { CountingBalancer, type Pickable } from "./balancer.js";

/**
 * The instance with the fewest requests in flight per unit of weight. Ties go to a random one
 * of the tied, so a fleet of fresh clients does not all start on the first id.
 */
export class LeastConnections extends CountingBalancer {
  override readonly name = "least-connections";

  override pick<T extends Pickable>(instances: readonly T[]): T | undefined {
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
    const picked = tied[Math.floor(this.rng() * tied.length)];
    if (picked) this.inFlight.acquire(picked.id);
    return picked;
  }
}
