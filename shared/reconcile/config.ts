import { serviceName } from "../model/names.js";
import type { TagFilter } from "../sources/ec2.js";
import * as z from "../validation/zod.js";

export interface ReconcileConfig {
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

export class ReconcileConfigError extends Error {
  override readonly name = "ReconcileConfigError";
}

const items = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

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
  MUSTER_TABLE: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name")),
  MUSTER_RECONCILE_INTERVAL: z._default(
    z.coerce.number().check(z.int(), z.gte(1), z.lte(86_400)),
    60,
  ),
  MUSTER_EC2_DISCOVERY: z.pipe(
    z._default(z.enum(["true", "false", "1", "0", ""], { message: "must be true or false" }), ""),
    z.transform((v) => v === "true" || v === "1"),
  ),
  MUSTER_EC2_FILTERS: z.array(
    pair.check(
      z.refine((p) => p.key.length <= 128 && p.value.length <= 256, {
        message: "tag keys are at most 128 characters, values 256",
      }),
    ),
  ),
  MUSTER_EC2_DEFAULT_PORTS: z.array(z.pipe(pair, z.object({ key: serviceName, value: port }))),
  MUSTER_CLOUDMAP_NAMESPACE: z._default(
    z
      .string()
      .check(
        z.maxLength(1024),
        z.regex(/^[A-Za-z0-9._-]*$/, "must be a namespace id (ns-…) or a namespace name"),
      ),
    "",
  ),
  MUSTER_SAFETY_RATIO: z._default(z.coerce.number().check(z.gte(0), z.lte(1)), 0.5),
});

/** The environment string, or undefined when unset or blank (so defaults apply). */
const given = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/**
 * Reads the reconciler's settings from the environment, naming every bad variable. Separate
 * from shared/config.ts: the API does not need them, and a typo here must not stop the API.
 */
export function readReconcileConfig(
  env: NodeJS.ProcessEnv,
  defaults: { table?: string } = {},
): ReconcileConfig {
  const parsed = schema.safeParse({
    MUSTER_TABLE: given(env.MUSTER_TABLE) ?? defaults.table,
    MUSTER_RECONCILE_INTERVAL: given(env.MUSTER_RECONCILE_INTERVAL),
    MUSTER_EC2_DISCOVERY: given(env.MUSTER_EC2_DISCOVERY)?.toLowerCase(),
    MUSTER_EC2_FILTERS: items(env.MUSTER_EC2_FILTERS),
    MUSTER_EC2_DEFAULT_PORTS: items(env.MUSTER_EC2_DEFAULT_PORTS),
    MUSTER_CLOUDMAP_NAMESPACE: given(env.MUSTER_CLOUDMAP_NAMESPACE),
    MUSTER_SAFETY_RATIO: given(env.MUSTER_SAFETY_RATIO),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ReconcileConfigError(
      `invalid reconciler configuration: ${[...new Set(problems)].join("; ")}`,
    );
  }
  const d = parsed.data;
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
    cloudMapNamespace: d.MUSTER_CLOUDMAP_NAMESPACE || undefined,
    safetyRatio: d.MUSTER_SAFETY_RATIO,
  };
}

/** Whether there is anything for a pass to do. */
export function hasSource(config: ReconcileConfig): boolean {
  return config.ec2.enabled || config.cloudMapNamespace !== undefined;
}
