/** Uniform numbers in [0, 1). `Math.random` in use; a seeded one where a test must repeat. */
export type Rng = () => number;

/**
 * mulberry32: a tiny seeded generator. Plenty for spreading load and jittering timers, and it
 * makes the balancers' statistical tests come out the same on every run.
 */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
