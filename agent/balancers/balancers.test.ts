import { describe, expect, it } from "vitest";
import { seededRng } from "../rng.js";
import {
  type Balancer,
  createBalancer,
  InFlight,
  LeastConnections,
  type Pickable,
  PowerOfTwo,
  RandomBalancer,
  RoundRobin,
  WeightedRoundRobin,
} from "./index.js";

const nodes = (...weights: number[]): Pickable[] =>
  weights.map((weight, i) => ({ id: `n${i}`, weight }));

/** How many times each instance is picked in `picks` picks, releasing each at once. */
function tally(balancer: Balancer, instances: Pickable[], picks: number, release = true): number[] {
  const counts = instances.map(() => 0);
  for (let n = 0; n < picks; n++) {
    const picked = balancer.pick(instances);
    if (!picked) throw new Error("picked nothing");
    const i = instances.indexOf(picked);
    counts[i] = (counts[i] ?? 0) + 1;
    if (release) balancer.release(picked);
  }
  return counts;
}

/** Pearson's statistic: sum((observed - expected)^2 / expected). */
function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((sum, o, i) => {
    const e = expected[i] ?? 0;
    return sum + (o - e) ** 2 / e;
  }, 0);
}

/**
 * Upper 0.1% points of chi-square by degrees of freedom: a fair balancer exceeds them once in
 * a thousand seeds. The RNG is seeded, so each test gives the same answer on every run.
 */
const CHI2_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52 };

describe("balancers", () => {
  it("all answer undefined for an empty list", () => {
    for (const name of [
      "round-robin",
      "random",
      "weighted-round-robin",
      "least-connections",
      "power-of-two",
    ] as const) {
      expect(createBalancer(name).pick([])).toBeUndefined();
      expect(createBalancer(name).name).toBe(name);
    }
  });

  it("round-robin: each in turn, exactly even", () => {
    const instances = nodes(1, 1, 1);
    const rr = new RoundRobin();
    expect([0, 1, 2, 3, 4].map(() => rr.pick(instances)?.id)).toEqual([
      "n0",
      "n1",
      "n2",
      "n0",
      "n1",
    ]);
    expect(tally(new RoundRobin(), instances, 3000)).toEqual([1000, 1000, 1000]);
  });

  it("random: uniform by chi-square over 10,000 picks, whatever the weights", () => {
    const instances = nodes(1, 5, 1, 3);
    const counts = tally(new RandomBalancer({ rng: seededRng(42) }), instances, 10_000);
    const expected = instances.map(() => 2500);
    expect(chiSquare(counts, expected)).toBeLessThan(CHI2_999[3] as number);
  });

  it("weighted round-robin: exactly its weight in every window of sum(weights), interleaved", () => {
    const instances = nodes(5, 3, 1, 1);
    const wrr = new WeightedRoundRobin();
    const sequence = Array.from({ length: 1000 }, () => wrr.pick(instances)?.id);
    for (let start = 0; start < 1000; start += 10) {
      const window = sequence.slice(start, start + 10);
      expect(instances.map((n) => window.filter((id) => id === n.id).length)).toEqual([5, 3, 1, 1]);
    }
    // Smooth: the heaviest never runs more than twice in a row (plain WRR would run 5).
    const longestRun = sequence.reduce(
      (acc, id, i) => {
        const run = id === sequence[i - 1] ? acc.run + 1 : 1;
        return { run, max: Math.max(acc.max, run) };
      },
      { run: 0, max: 0 },
    ).max;
    expect(longestRun).toBeLessThanOrEqual(2);
  });

  it("weighted round-robin: follows membership changes without carrying old scores", () => {
    const wrr = new WeightedRoundRobin();
    tally(wrr, nodes(100, 1), 7);
    const fresh = [
      { id: "x", weight: 1 },
      { id: "y", weight: 1 },
    ];
    expect(tally(wrr, fresh, 100)).toEqual([50, 50]);
  });

  it("least-connections: with nothing released, load stays even per unit of weight", () => {
    const lc = new LeastConnections({ rng: seededRng(1) });
    expect(tally(lc, nodes(1, 1, 1), 301, false).sort()).toEqual([100, 100, 101]);
    const weighted = new LeastConnections({ rng: seededRng(2) });
    expect(tally(weighted, nodes(1, 3), 400, false)).toEqual([100, 300]);
  });

  it("least-connections: avoids the instance holding connections, and ties spread uniformly", () => {
    const inFlight = new InFlight();
    const instances = nodes(1, 1, 1, 1);
    inFlight.acquire("n3");
    const lc = new LeastConnections({ rng: seededRng(3), inFlight });
    const counts = tally(lc, instances, 6000);
    expect(counts[3]).toBe(0);
    expect(chiSquare(counts.slice(0, 3), [2000, 2000, 2000])).toBeLessThan(CHI2_999[2] as number);
    lc.release({ id: "n3", weight: 1 });
    expect(inFlight.count("n3")).toBe(0);
  });

  it("power of two choices: equal loads give a uniform spread", () => {
    const instances = nodes(1, 1, 1, 1, 1);
    const counts = tally(new PowerOfTwo({ rng: seededRng(4) }), instances, 10_000);
    expect(
      chiSquare(
        counts,
        instances.map(() => 2000),
      ),
    ).toBeLessThan(CHI2_999[4] as number);
  });

  it("power of two choices: with loads 0,1,2,3 each wins as often as it is the lesser of a pair", () => {
    // n_i is the less loaded in (3 - i) of the 6 pairs, so P = 3/6, 2/6, 1/6, 0.
    const inFlight = new InFlight();
    const instances = nodes(1, 1, 1, 1);
    instances.forEach((n, load) => {
      for (let k = 0; k < load; k++) inFlight.acquire(n.id);
    });
    const picks = 12_000;
    const counts = tally(new PowerOfTwo({ rng: seededRng(5), inFlight }), instances, picks);
    expect(counts[3]).toBe(0);
    const expected = [3, 2, 1].map((k) => (picks * k) / 6);
    expect(chiSquare(counts.slice(0, 3), expected)).toBeLessThan(CHI2_999[2] as number);
  });

  it("power of two choices: never picks the same instance twice for its two choices", () => {
    const inFlight = new InFlight();
    const instances = nodes(1, 1);
    inFlight.acquire("n0");
    // With two instances the pair is always both, so the idle one always wins.
    expect(tally(new PowerOfTwo({ rng: seededRng(6), inFlight }), instances, 500)).toEqual([
      0, 500,
    ]);
  });
});
