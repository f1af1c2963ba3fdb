import { inject } from "vitest";
import type { StoreKind } from "../../shared/store/open-store.js";

/**
 * A store engine the tests run against: local mode's SQLite (a fresh file per registry, no
 * server) or DynamoDB Local (one server for the run, a fresh table per registry). `kind` is
 * the engine's name in the store registry (shared/store/open-store.ts); `endpoint` where its
 * server answers, for an engine that has one. The list the tests run on is in ./start.ts:
 * nothing here names an engine but the two that tests ask for by name.
 */
export interface Engine {
  name: string;
  kind: StoreKind;
  endpoint?: string | undefined;
}

/** An engine that speaks DynamoDB's API; tests that need the raw client ask for this one. */
export interface DynamoEngine extends Engine {
  name: "dynamodb-local";
  kind: "dynamodb";
  endpoint: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    engines: Engine[];
    /** moto server's endpoint: EC2 and Cloud Map (and every other API moto fakes) on one port. */
    moto: string;
  }
}

const SQLITE: Engine = { name: "sqlite", kind: "sqlite" };

/**
 * Every engine the integration project's global set-up (test/global-setup.ts) started; tests
 * iterate over all of them. The unit project starts none, and a file that asks for them there
 * fails here rather than quietly testing one engine of two: name it `*.integration.test.ts`.
 */
export function engines(): Engine[] {
  const provided = inject("engines");
  if (!provided?.length)
    throw new Error(
      "no engines provided: this file needs DynamoDB Local, so it belongs in the integration project (name it *.integration.test.ts)",
    );
  return provided;
}

/** moto server's endpoint, started by test/global-setup.ts for the reconciler's tests. */
export function motoEndpoint(): string {
  const provided = inject("moto");
  if (!provided)
    throw new Error(
      "no moto endpoint provided: this file needs moto, so it belongs in the integration project (name it *.integration.test.ts)",
    );
  return provided;
}

/**
 * One engine by name, for tests that need only one (fuzzing, the reconciler, the agent).
 * SQLite is in-process and needs no set-up, so it is there in both projects.
 */
export function engine(name: "dynamodb-local"): DynamoEngine;
export function engine(name: string): Engine;
export function engine(name: string): Engine {
  if (name === SQLITE.name) return SQLITE;
  const found = engines().find((e) => e.name === name);
  if (!found) throw new Error(`engine ${name} was not provided`);
  return found;
}
