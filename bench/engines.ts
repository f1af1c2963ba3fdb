import { existsSync } from "node:fs";
import { join } from "node:path";
import { startDynamoDBLocal } from "../scripts/engines/dynamodb-local.js";
import type { RunningEngine } from "../scripts/engines/running-engine.js";
import { dynamodbLocalDir } from "../scripts/tool-cache.mjs";
import type { EngineChoice, EngineName } from "./options.js";

const JAR = join(dynamodbLocalDir(), "DynamoDBLocal.jar");

export interface EnginePlan {
  engines: EngineName[];
  /** Whether a failure to start DynamoDB Local should only be noted (it was not asked for). */
  optional: boolean;
  notes: string[];
}

export function planEngines(choice: EngineChoice): EnginePlan {
  if (choice === "none") return { engines: [], optional: false, notes: [] };
  if (choice === "dynamodb-local") {
    if (!existsSync(JAR)) {
      throw new Error(
        `DynamoDB Local is not in the tool cache; run: node scripts/dynamodb-local.mjs fetch`,
      );
    }
    return { engines: ["dynamodb-local"], optional: false, notes: [] };
  }
  if (existsSync(JAR)) return { engines: ["dynamodb-local"], optional: true, notes: [] };
  return {
    engines: [],
    optional: true,
    notes: [
      "DynamoDB Local is not in the tool cache, so no DynamoDB figures " +
        "(node scripts/dynamodb-local.mjs fetch adds them).",
    ],
  };
}

/** DynamoDB Local binds every interface; we only talk to loopback. */
export function startEngine(_name: EngineName): Promise<RunningEngine> {
  return startDynamoDBLocal();
}
