import { inject } from "vitest";

/**
 * A store engine the tests run against: local mode's SQLite (a fresh file per registry, no
 * server) or DynamoDB Local (one server for the run, a fresh table per registry).
 */
export type Engine = { name: "sqlite" } | DynamoEngine;

/** An engine that speaks DynamoDB's API; tests that need the raw client ask for this one. */
export interface DynamoEngine {
  name: "dynamodb-local";
  endpoint: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    engines: Engine[];
    /** moto server's endpoint: EC2 and Cloud Map (and every other API moto fakes) on one port. */
    moto: string;
  }
}

/** The engines test/global-setup.ts started for this run; tests iterate over all of them. */
export function engines(): Engine[] {
  const provided = inject("engines");
  if (!provided?.length)
    throw new Error("no engines provided; is test/global-setup.ts configured?");
  return provided;
}

/** moto server's endpoint, started by test/global-setup.ts for the reconciler's tests. */
export function motoEndpoint(): string {
  const provided = inject("moto");
  if (!provided) throw new Error("no moto endpoint provided; is test/global-setup.ts configured?");
  return provided;
}

/** One engine by name, for tests that need only one (fuzzing, the reconciler, the agent). */
export function engine<N extends Engine["name"]>(name: N): Extract<Engine, { name: N }> {
  const found = engines().find((e) => e.name === name);
  if (!found) throw new Error(`engine ${name} was not provided`);
  return found as Extract<Engine, { name: N }>;
}
