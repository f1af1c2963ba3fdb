import { inject } from "vitest";

export interface Engine {
  name: "dynalite" | "dynamodb-local";
  endpoint: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    engines: Engine[];
  }
}

/** The engines test/global-setup.ts started for this run; tests iterate over all of them. */
export function engines(): Engine[] {
  const provided = inject("engines");
  if (!provided?.length)
    throw new Error("no engines provided; is test/global-setup.ts configured?");
  return provided;
}
