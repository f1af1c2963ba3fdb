import { parseArgs } from "node:util";

/** The DynamoDB engine the store's overhead over raw DynamoDB calls is measured on. */
export type EngineName = "dynamodb-local";
/** "auto": DynamoDB Local when its jar is in the tool cache; "none": local mode's figures only. */
export type EngineChoice = EngineName | "none" | "auto";

export interface BenchOptions {
  engine: EngineChoice;
  heartbeats: number;
  heartbeatWarmup: number;
  peersReads: number;
  peersWarmup: number;
  /** Size of the service peers.json is read from. */
  instances: number;
  /** Fresh node processes per cold-import measurement. */
  coldRuns: number;
  /** Requests per local-mode throughput figure (heartbeats, list reads), and for etcd's. */
  localRequests: number;
}

export const USAGE = `usage: npm run bench -- [options]

  --engine <name>          dynamodb-local | none: where the DynamoDB store's overhead is
                           measured (env BENCH_ENGINE; default dynamodb-local when
                           the tool cache holds the jar, otherwise none)
  --local-requests <n>     requests per local-mode throughput figure (default 3000)
  --iterations <n>         timed heartbeats (default 300; warm-up n/10); peers.json reads
                           default to n/6 unless --peers-iterations is given
  --peers-iterations <n>   timed peers.json reads (default 50; warm-up n/10)
  --instances <n>          instances in the peers.json service (default 1000)
  --cold-runs <n>          fresh node processes per cold-import figure (default 9)
  --help`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

const warmupFor = (n: number) => Math.max(1, Math.round(n / 10));

/** Returns undefined when --help was asked for. */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BenchOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        engine: { type: "string" },
        iterations: { type: "string" },
        "peers-iterations": { type: "string" },
        instances: { type: "string" },
        "cold-runs": { type: "string" },
        "local-requests": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const str = (name: string) => values[name] as string | undefined;

  const engine = str("engine") ?? (env.BENCH_ENGINE || "auto");
  if (!["dynamodb-local", "none", "auto"].includes(engine)) {
    throw new UsageError(`--engine must be dynamodb-local or none, not ${engine}`);
  }
  const heartbeats = positive("iterations", str("iterations"), 300);
  const peersReads = positive(
    "peers-iterations",
    str("peers-iterations"),
    str("iterations") === undefined ? 50 : Math.max(1, Math.round(heartbeats / 6)),
  );
  return {
    engine: engine as EngineChoice,
    heartbeats,
    heartbeatWarmup: warmupFor(heartbeats),
    peersReads,
    peersWarmup: warmupFor(peersReads),
    instances: positive("instances", str("instances"), 1000),
    coldRuns: positive("cold-runs", str("cold-runs"), 9),
    localRequests: positive("local-requests", str("local-requests"), 3000),
  };
}
