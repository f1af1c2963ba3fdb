import { CountingBalancer, type Pickable } from "./balancer.js";

/**
 * Power of two choices: two distinct instances at random, the less loaded of them wins. Nearly
 * as even as least-connections, without every client herding onto the same least-loaded
 * instance when their counts are stale.
 */
export class PowerOfTwo extends CountingBalancer {
  override readonly name = "power-of-two";

  override pick<T extends Pickable>(instances: readonly T[]): T | undefined {
    const n = instances.length;
    if (n === 0) return undefined;
    const i = Math.floor(this.rng() * n);
    // The second index is drawn from the other n-1, so the two are always distinct.
    const j = n === 1 ? i : (i + 1 + Math.floor(this.rng() * (n - 1))) % n;
    const a = instances[i] as T;
    const b = instances[j] as T;
    // On a tie the first draw wins; it is itself uniform, so ties stay fair.
    const picked = this.inFlight.load(b) < this.inFlight.load(a) ? b : a;
    this.inFlight.acquire(picked.id);
    return picked;
  }
}
