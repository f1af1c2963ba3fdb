import * as z from "../validation/zod.js";
import type { Environment } from "./names.js";
import { readSection, variablesOf } from "./read.js";

/**
 * An event bus as PutEvents takes it: a name (`[/._A-Za-z0-9-]`, up to 256, `/` for partner
 * buses) or the bus's ARN.
 */
const EVENT_BUS = /^(arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[/._A-Za-z0-9-]{1,256}$/;

const schema = z.object({
  MUSTER_EVENT_BUS: z._default(
    z.string().check(z.regex(EVENT_BUS, "must be an EventBridge event bus name or ARN")),
    "default",
  ),
});

export const STREAM_VARIABLES = variablesOf(schema);

/** The stream function's settings (functions/stream.ts). */
export interface StreamSettings {
  /** Where membership-change events go; default `default`, the account's default bus. */
  eventBus: string;
}

export function readStreamSettings(env: Environment): StreamSettings {
  return { eventBus: readSection(schema, env).MUSTER_EVENT_BUS };
}
