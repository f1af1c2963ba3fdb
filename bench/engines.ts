import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type RunningEngine, startDynalite } from "../local/dynalite.js";
import { startDynamoDBLocal } from "../scripts/engines/dynamodb-local.js";
import type { EngineChoice, EngineName } from "./options.js";

const JAR = fileURLToPath(new URL("../.cache/dynamodb-local/DynamoDBLocal.jar", import.meta.url));

export interface EnginePlan {
  engines: EngineName[];
  /** Whether a failure to start DynamoDB Local should only be noted (it was not asked for). */
  optional: boolean;
  notes: string[];
}

export function planEngines(choice: EngineChoice): EnginePlan {
  if (choice === "dynalite") return { engines: ["dynalite"], optional: false, notes: [] };
  if (choice === "dynamodb-local" || choice === "both") {
    if (!existsSync(JAR)) {
      throw new Error(
        `DynamoDB Local is not in .cache/dynamodb-local; run: node scripts/dynamodb-local.mjs fetch`,
      );
    }
    const engines: EngineName[] =
      choice === "both" ? ["dynalite", "dynamodb-local"] : ["dynamodb-local"];
    return { engines, optional: false, notes: [] };
  }
  if (existsSync(JAR))
    return { engines: ["dynalite", "dynamodb-local"], optional: true, notes: [] };
  return {
    engines: ["dynalite"],
    optional: true,
    notes: [
      "DynamoDB Local is not in .cache/dynamodb-local, so dynalite only " +
        "(node scripts/dynamodb-local.mjs fetch adds it).",
    ],
  };
}

/** Both listen on 127.0.0.1 (DynamoDB Local binds every interface; we only talk to loopback). */
export function startEngine(name: EngineName): Promise<RunningEngine> {
  return name === "dynalite" ? startDynalite() : startDynamoDBLocal();
}
