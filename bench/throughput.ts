/**
 * Runs `count` calls with `concurrency` in flight; requests per second and statuses seen. A
 * call resolves once its answer is read whole (bench/http-client.ts does).
 */
export async function throughput(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<{ status: number }>,
): Promise<{ perSecond: number; statuses: Map<number, number> }> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const res = await call(next++);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: count / ((performance.now() - started) / 1000), statuses };
}

/** Fails loudly when a run answered anything but `expected`: a rate of errors is no rate. */
export function expectOnly(what: string, statuses: Map<number, number>, expected: number[]): void {
  const wrong = [...statuses].filter(([status]) => !expected.includes(status));
  if (wrong.length > 0) {
    throw new Error(`${what}: unexpected answers ${wrong.map(([s, n]) => `${n}×${s}`).join(", ")}`);
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
