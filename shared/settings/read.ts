import * as z from "../validation/zod.js";
import type { Environment, VariableName } from "./names.js";

/**
 * A start-up failure the operator can fix: a bad setting, or (in local mode) a data folder
 * that cannot be used. Said in one line, no stack; a bad setting is named, never its value.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  // Private, so that two errors with one message compare equal (tests match on the message).
  readonly #problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.#problems = problems;
  }

  /** Every bad variable with its reason, `NAME: reason`, as they appear in `invalid(…)`. */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** The one message of every bad variable at once. */
  static invalid(problems: readonly string[]): ConfigError {
    const unique = [...new Set(problems)];
    return new ConfigError(`invalid configuration: ${unique.join("; ")}`, unique);
  }
}

/**
 * One rule for every variable: its value trimmed, and a blank one (empty or only white space)
 * is unset, so that `VAR=` in a unit file or a compose file means "the default".
 */
export function given(env: Environment, name: VariableName): string | undefined {
  const value = env[name]?.trim();
  return value === "" ? undefined : value;
}

/** The variables a section reads, each by its name, with what its value must be. */
export type SectionSchema = z.ZodMiniObject<{ [N in VariableName]?: z.ZodMiniType }>;

/**
 * Reads a section's variables (each `given`, so undefined when blank) through its schema,
 * naming every bad one. `more` adds the problems no single variable shows (a pair set alone).
 */
export function readSection<S extends SectionSchema>(
  schema: S,
  env: Environment,
  more?: (values: z.output<S>) => string[],
): z.output<S> {
  const input = Object.fromEntries(
    Object.keys(schema.shape).map((name) => [name, given(env, name as VariableName)]),
  );
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw ConfigError.invalid(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  }
  const problems = more?.(parsed.data) ?? [];
  if (problems.length > 0) throw ConfigError.invalid(problems);
  return parsed.data;
}

/** The names a section reads. */
export function variablesOf(schema: SectionSchema): VariableName[] {
  return Object.keys(schema.shape) as VariableName[];
}

/**
 * Several sections read at once (a process that runs more than one part): every bad variable
 * of every section in one error, not one section's at a time.
 */
export function readSections<T extends Record<string, () => unknown>>(
  readers: T,
): { [K in keyof T]: ReturnType<T[K]> } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, read] of Object.entries(readers)) {
    try {
      out[key] = read();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw ConfigError.invalid(problems);
  return out as { [K in keyof T]: ReturnType<T[K]> };
}

// The shapes of values the sections share.

/** A whole number within bounds; `fallback` when unset, else optional. */
export function wholeNumber(min: number, max: number): z.ZodMiniOptional<z.ZodMiniNumber>;
export function wholeNumber(
  min: number,
  max: number,
  fallback: number,
): z.ZodMiniDefault<z.ZodMiniNumber>;
export function wholeNumber(min: number, max: number, fallback?: number) {
  const message = `must be a whole number ${min}-${max}`;
  const n = z.coerce
    .number({ message })
    .check(z.int({ message }), z.gte(min, message), z.lte(max, message));
  return fallback === undefined ? z.optional(n) : z._default(n, fallback);
}

/** A number (decimals allowed) within bounds, `fallback` when unset. */
export function decimal(min: number, max: number, fallback: number) {
  const message = `must be a number ${min}-${max}`;
  return z._default(
    z.coerce.number({ message }).check(z.gte(min, message), z.lte(max, message)),
    fallback,
  );
}

/** `true` or `false` (also `1`, `0`; any case), `false` when unset. */
export const flag = z._default(
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((v: string) => v.toLowerCase()),
    ),
    z.pipe(
      z.enum(["true", "false", "1", "0"], { message: "must be true or false" }),
      z.transform((v) => v === "true" || v === "1"),
    ),
  ),
  false,
);

/** A comma-separated list, each item trimmed and empty ones dropped; unset: none. */
export function list<T extends z.ZodMiniType<unknown, string>>(item: T) {
  return z.pipe(
    z.transform((value: string | undefined) =>
      (value ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
    z.array(item),
  );
}

/** MUSTER_TABLE, read by the API and the reconciler alike. */
export const tableName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name"));
