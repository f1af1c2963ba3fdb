import type { Balancer, Pickable } from "./balancer.js";

/**
 * Smooth weighted round-robin (nginx's): every pick adds each weight to its instance's score,
 * takes the highest, and takes the total off the winner. Over any run of `sum(weights)` picks
 * each instance gets exactly its weight, interleaved (5,1,1 gives a a b a c a a, not
 * a a a a a b c), so a heavy instance never takes a burst.
 */
export class WeightedRoundRobin implements Balancer {
  readonly name = "weighted-round-robin";
  #scores = new Map<string, number>();

  pick<T extends Pickable>(instances: readonly T[]): T | undefined {
    if (instances.length === 0) return undefined;
    const scores = new Map<string, number>();
    let total = 0;
    let best: T | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const instance of instances) {
      const weight = Math.max(1, instance.weight);
      const score = (this.#scores.get(instance.id) ?? 0) + weight;
      scores.set(instance.id, score);
      total += weight;
      if (score > bestScore) {
        best = instance;
        bestScore = score;
      }
    }
    if (best) scores.set(best.id, bestScore - total);
    // Rebuilt from the current list each time: departed instances leave no score behind.
    this.#scores = scores;
    return best;
  }

  release(): void {}
}
