import { isIP } from "node:net";
import { parseHostPort } from "../model/address.js";
import { instanceId } from "../model/names.js";
import * as z from "../validation/zod.js";
import { foldKeys, isPlainObject } from "./fold-keys.js";
import { parseGoDurationNs } from "./go-duration.js";

/**
 * The body of `PUT /v1/agent/service/register`, as Consul's agent decodes it (its
 * ServiceDefinition and CheckType structs), checked against muster's own limits. Keys are
 * matched without regard to case and in Consul's snake_case spellings (fold-keys.ts); a key
 * Consul does not know is refused by name, as Consul refuses it.
 */

/** Renames the keys of an object to canonical names, leaving unknown ones for strictObject to name. */
function folded<T extends z.core.$ZodType>(
  fields: readonly string[],
  aliases: Readonly<Record<string, string>>,
  schema: T,
) {
  return z.pipe(
    z.transform((input: unknown) => {
      if (!isPlainObject(input)) return input;
      const { value, unknown } = foldKeys(input, fields, aliases);
      // defineProperty: a `__proto__` key stays a key, to be refused by name.
      for (const key of unknown) {
        Object.defineProperty(value, key, { value: input[key], enumerable: true, writable: true });
      }
      return value;
    }),
    schema,
  );
}

/** A duration as Consul reads one: Go's syntax in a string, or a number of nanoseconds. */
const duration = z.pipe(
  z.union([z.string(), z.number()], { error: "must be a Go duration such as 10s, 1m or 1h30m" }),
  z.transform((v: string | number, payload) => {
    const ns = typeof v === "number" ? BigInt(Math.trunc(v)) : parseGoDurationNs(v);
    if (ns === undefined) {
      payload.issues.push({
        code: "custom",
        message: "must be a Go duration such as 10s, 1m or 1h30m",
        input: v,
      });
      return 0;
    }
    return Number(ns) / 1e6; // milliseconds
  }),
);

export const CHECK_STATUSES = ["passing", "warning", "critical"] as const;

/** Check fields whose checks need a process on the node to run them. */
export const RUNNER_FIELDS = {
  ScriptArgs: "script",
  HTTP: "HTTP",
  H2PING: "H2PING",
  TCP: "TCP",
  UDP: "UDP",
  GRPC: "gRPC",
  OSService: "OS service",
  DockerContainerID: "Docker",
  AliasNode: "alias",
  AliasService: "alias",
} as const;

/** Check fields that only tune a check of a runner type: accepted and left unused, as Consul does for a TTL check. */
const TUNING_FIELDS = [
  "H2PingUseTLS",
  "Header",
  "Method",
  "Body",
  "DisableRedirects",
  "TCPUseTLS",
  "GRPCUseTLS",
  "TLSServerName",
  "TLSSkipVerify",
  "Shell",
  "Timeout",
  "SuccessBeforePassing",
  "FailuresBeforeWarning",
  "FailuresBeforeCritical",
  "ProxyHTTP",
  "ProxyGRPC",
  "OutputMaxSize",
  "ServiceID",
] as const;

const CHECK_FIELDS = [
  "CheckID",
  "Name",
  "Status",
  "Notes",
  "TTL",
  "Interval",
  "DeregisterCriticalServiceAfter",
  ...Object.keys(RUNNER_FIELDS),
  ...TUNING_FIELDS,
];

/** Consul's snake_case spellings (CheckType.UnmarshalJSON), and `args` for ScriptArgs. */
const CHECK_ALIASES = {
  args: "ScriptArgs",
  script_args: "ScriptArgs",
  deregister_critical_service_after: "DeregisterCriticalServiceAfter",
  docker_container_id: "DockerContainerID",
  tls_server_name: "TLSServerName",
  tls_skip_verify: "TLSSkipVerify",
  tcp_use_tls: "TCPUseTLS",
  grpc_use_tls: "GRPCUseTLS",
  h2ping_use_tls: "H2PingUseTLS",
  service_id: "ServiceID",
};

/** Go's zero values: what a client sends for a field it does not use. */
const isZero = (v: unknown) =>
  v === undefined || v === "" || v === false || v === 0 || (Array.isArray(v) && v.length === 0);

const runnerField = (kind: string) =>
  z.optional(
    z.unknown().check(
      z.refine(isZero, {
        message:
          `${kind} checks need a process on the node to run them, which a registry does not have: ` +
          "run `muster-agent consul` on the node and register there, or use a TTL check (docs/consul.md)",
      }),
    ),
  );

const checkShape: Record<string, z.core.$ZodType> = {
  CheckID: z.optional(z.string().check(z.maxLength(128))),
  Name: z.optional(z.string().check(z.maxLength(128))),
  Status: z.optional(
    z.union([z.enum(CHECK_STATUSES), z.literal("")], {
      error: "Status for checks must 'passing', 'warning', 'critical'",
    }),
  ),
  Notes: z.optional(z.string().check(z.maxLength(512))),
  TTL: z.optional(duration),
  Interval: z.optional(duration),
  DeregisterCriticalServiceAfter: z.optional(duration),
};
for (const [field, kind] of Object.entries(RUNNER_FIELDS)) checkShape[field] = runnerField(kind);
for (const field of TUNING_FIELDS) checkShape[field] = z.optional(z.unknown());

export const checkSchema = folded(CHECK_FIELDS, CHECK_ALIASES, z.strictObject(checkShape));

/** A host as Consul and muster both take one: an IP address or a DNS name, never 0.0.0.0 or ::. */
const host = z.string().check(
  z.maxLength(253),
  z.refine((v) => v === "" || parseHostPort(`${isIP(v) === 6 ? `[${v}]` : v}:1`) !== undefined, {
    message: "must be an IP address or a DNS name",
  }),
  z.refine((v) => v !== "0.0.0.0" && v !== "::" && v !== "[::]", {
    message: "Invalid service address",
  }),
);

const port = z.int().check(z.gte(0), z.lte(65535));

const weightsSchema = folded(
  ["Passing", "Warning"],
  {},
  z.strictObject({
    Passing: z.optional(z.int().check(z.gte(1, "Passing must be greater than 0"), z.lte(65535))),
    Warning: z.optional(
      z.int().check(z.gte(0, "Warning must be greater or equal than 0"), z.lte(65535)),
    ),
  }),
);

const serviceAddressSchema = folded(
  ["Address", "Port"],
  {},
  z.strictObject({ Address: z.optional(host), Port: z.optional(port) }),
);

/**
 * Consul's metadata key rules (structs.ValidateServiceMetadata), under muster's size limits.
 * Checked over the whole map, so that each issue names its key (a record's key schema would only
 * say "Invalid key in record").
 */
function metaKeyIssue(key: string): string | undefined {
  if (key.length === 0 || key.length > 64) return "a key must be 1-64 characters";
  if (!/^[a-zA-Z0-9_-]+$/.test(key)) return "Key contains invalid characters";
  if (key.startsWith("consul-")) return "Key prefix 'consul-' is reserved for internal use";
  return undefined;
}

/** Fields of Consul's that name features muster does not have: refused unless empty. */
const unsupported = (what: string) =>
  z.optional(
    z.unknown().check(
      z.refine((v) => isZero(v) || (isPlainObject(v) && Object.keys(v).length === 0), {
        message: `${what} is not part of muster's Consul subset (docs/consul.md)`,
      }),
    ),
  );

const defaultOnly = (what: string) =>
  z.optional(
    z.string().check(
      z.refine((v) => v === "" || v === "default", {
        message: `${what} other than "default" are a Consul Enterprise feature muster does not have`,
      }),
    ),
  );

const tag = z.string().check(z.minLength(1), z.maxLength(64));

/** zod's record drops a `__proto__` key without a word, so it is refused by name first. */
const meta = z.pipe(
  z.unknown().check(
    z.refine((v) => !(isPlainObject(v) && Object.hasOwn(v, "__proto__")), {
      message: "__proto__ cannot be a metadata key (JavaScript clients would drop it)",
    }),
  ),
  z.record(z.string(), z.string().check(z.maxLength(512))).check(
    z.refine((m) => Object.keys(m).length <= 32, { message: "at most 32 keys" }),
    z.superRefine((m, ctx) => {
      for (const key of Object.keys(m)) {
        const message = metaKeyIssue(key);
        if (message) ctx.addIssue({ code: "custom", path: [key], message, input: key });
      }
    }),
  ),
);

const SERVICE_FIELDS = [
  "Kind",
  "ID",
  "Name",
  "Tags",
  "Address",
  "TaggedAddresses",
  "Meta",
  "Port",
  "Ports",
  "SocketPath",
  "Check",
  "Checks",
  "Weights",
  "Token",
  "EnableTagOverride",
  "Locality",
  "Proxy",
  "Connect",
  "AI",
  "Namespace",
  "Partition",
];

export const registrationSchema = folded(
  SERVICE_FIELDS,
  { enable_tag_override: "EnableTagOverride", tagged_addresses: "TaggedAddresses" },
  z.strictObject({
    Kind: unsupported("Kind (gateways and proxies)"),
    ID: z.optional(instanceId),
    Name: z.optional(z.string()),
    Tags: z.optional(z.array(tag).check(z.maxLength(32))),
    Address: z.optional(host),
    TaggedAddresses: z.optional(z.record(z.string(), serviceAddressSchema)),
    Meta: z.optional(meta),
    Port: z.optional(port),
    Ports: unsupported("Ports (several named ports)"),
    SocketPath: unsupported("SocketPath (Unix sockets)"),
    Check: z.optional(checkSchema),
    Checks: z.optional(z.array(checkSchema)),
    Weights: z.optional(weightsSchema),
    // A per-service ACL token for the agent's own syncs: the request's token is what counts here.
    Token: z.optional(z.string()),
    EnableTagOverride: z.optional(z.boolean()),
    Locality: unsupported("Locality"),
    Proxy: unsupported("Proxy (service mesh)"),
    Connect: unsupported("Connect (service mesh)"),
    AI: unsupported("AI"),
    Namespace: defaultOnly("Namespaces"),
    Partition: defaultOnly("Partitions"),
  }),
);
