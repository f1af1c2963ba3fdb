import { serviceName } from "../model/names.js";
import type { TagFilter } from "../sources/ec2.js";
import * as z from "../validation/zod.js";
import { Env, type Environment } from "./names.js";
import {
  decimal,
  flag,
  given,
  list,
  readSection,
  tableName,
  variablesOf,
  wholeNumber,
} from "./read.js";

/** `Key=Value`, split at the first `=`: EC2 tag values may contain `=`, keys may not. */
const pair = z.pipe(
  z.string().check(z.regex(/^[^=]+=.*$/, "must be Key=Value")),
  z.transform((s: string) => {
    const at = s.indexOf("=");
    return { key: s.slice(0, at).trim(), value: s.slice(at + 1).trim() };
  }),
);

const port = z.pipe(
  z.pipe(z.string().check(z.regex(/^\d{1,5}$/, "must be a port number")), z.transform(Number)),
  z.int().check(z.gte(1, "must be a port 1-65535"), z.lte(65535, "must be a port 1-65535")),
);

const schema = z.object({
  MUSTER_TABLE: tableName,
  MUSTER_RECONCILE_INTERVAL: wholeNumber(1, 86_400, 60),
  MUSTER_EC2_DISCOVERY: flag,
  MUSTER_EC2_FILTERS: list(
    pair.check(
      z.refine((p) => p.key.length <= 128 && p.value.length <= 256, {
        message: "tag keys are at most 128 characters, values 256",
      }),
    ),
  ),
  MUSTER_EC2_DEFAULT_PORTS: list(z.pipe(pair, z.object({ key: serviceName, value: port }))),
  MUSTER_CLOUDMAP_NAMESPACE: z.optional(
    z
      .string()
      .check(
        z.maxLength(1024),
        z.regex(/^[A-Za-z0-9._-]*$/, "must be a namespace id (ns-…) or a namespace name"),
      ),
  ),
  MUSTER_SAFETY_RATIO: decimal(0, 1, 0.5),
});

export const RECONCILER_VARIABLES = variablesOf(schema);

/** The reconciler's settings, scheduled on Lambda (functions/reconcile.ts) or in local mode. */
export interface ReconcilerSettings {
  tableName: string;
  intervalSeconds: number;
  ec2: {
    enabled: boolean;
    filters: TagFilter[];
    /** Port for instances without a `muster:port` tag (and Cloud Map ones without a port). */
    defaultPorts: ReadonlyMap<string, number>;
  };
  /** Namespace id (`ns-…`) or name; undefined: Cloud Map import and export are off. */
  cloudMapNamespace: string | undefined;
  safetyRatio: number;
}

/**
 * Reads the reconciler's variables, naming every bad one. A section of its own: the API does
 * not read them, so a typo here does not stop the API. `defaults.table` as for the API.
 */
export function readReconcilerSettings(
  env: Environment,
  defaults: { table?: string } = {},
): ReconcilerSettings {
  const table = given(env, Env.MUSTER_TABLE) ?? defaults.table;
  const d = readSection(schema, { ...env, [Env.MUSTER_TABLE]: table });
  // The same key twice means either value: EC2 ORs the values of one filter.
  const filters = new Map<string, string[]>();
  for (const { key, value } of d.MUSTER_EC2_FILTERS) {
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  return {
    tableName: d.MUSTER_TABLE,
    intervalSeconds: d.MUSTER_RECONCILE_INTERVAL,
    ec2: {
      enabled: d.MUSTER_EC2_DISCOVERY,
      filters: [...filters].map(([key, values]) => ({ key, values })),
      defaultPorts: new Map(d.MUSTER_EC2_DEFAULT_PORTS.map((p) => [p.key, p.value])),
    },
    cloudMapNamespace: d.MUSTER_CLOUDMAP_NAMESPACE,
    safetyRatio: d.MUSTER_SAFETY_RATIO,
  };
}

/** Whether there is anything for a pass to do. */
export function hasSource(settings: ReconcilerSettings): boolean {
  return settings.ec2.enabled || settings.cloudMapNamespace !== undefined;
}
