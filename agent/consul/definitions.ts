import { foldKeys, isPlainObject } from "../../shared/consul/fold-keys.js";
import { parseGoDuration } from "../../shared/consul/go-duration.js";
import type { Status } from "../../shared/model/instance.js";

/**
 * An application's `PUT /v1/agent/service/register`, as the node's agent reads it: the checks
 * it must run (HTTP, TCP, script) or wait for (TTL), and the registration it sends on to the
 * registry, where every check becomes a TTL check the agent keeps alive. Everything else in
 * the body goes on as sent: the registry checks it, with Consul's words.
 */
export type CheckKind =
  | { kind: "ttl"; ttlMs: number }
  | { kind: "http"; url: string; intervalMs: number; timeoutMs: number }
  | { kind: "tcp"; address: string; intervalMs: number; timeoutMs: number }
  | { kind: "script"; args: string[]; intervalMs: number; timeoutMs: number }
  /** Added by the agent for a service registered without a check: alive while the agent is. */
  | { kind: "agent" };

export interface LocalCheck {
  /** As the application knows it. */
  checkId: string;
  /** As the registry knows it (checkId, unless the service's ID was made unique there). */
  upstreamId: string;
  name: string;
  notes: string;
  /** What it starts as: the registration's Status, else critical (passing for the agent's). */
  status: Status;
  kind: CheckKind;
  /** Passed on to the registry as is (a Go duration string or nanoseconds). */
  deregisterAfter: unknown;
}

export interface LocalRegistration {
  /** The service ID as the application knows it. */
  id: string;
  /**
   * As the registry knows it: a token is one agent there (docs/consul.md), so the same service
   * registered without an ID on many nodes would be one instance. An ID left to default to the
   * name becomes `<name>-<node>`.
   */
  upstreamId: string;
  name: string;
  checks: LocalCheck[];
  /** The body for the registry, its checks left out (the agent adds its TTL checks). */
  upstream: Record<string, unknown>;
}

export class DefinitionError extends Error {}

const SERVICE_KEYS = ["ID", "Name", "Address", "Check", "Checks"];
const CHECK_KEYS = [
  "CheckID",
  "Name",
  "Notes",
  "Status",
  "TTL",
  "HTTP",
  "TCP",
  "ScriptArgs",
  "Interval",
  "Timeout",
  "DeregisterCriticalServiceAfter",
  "GRPC",
  "UDP",
  "H2PING",
  "OSService",
  "DockerContainerID",
  "AliasNode",
  "AliasService",
];
const CHECK_ALIASES = {
  args: "ScriptArgs",
  script_args: "ScriptArgs",
  deregister_critical_service_after: "DeregisterCriticalServiceAfter",
  docker_container_id: "DockerContainerID",
};
const NOT_RUN = [
  "GRPC",
  "UDP",
  "H2PING",
  "OSService",
  "DockerContainerID",
  "AliasNode",
  "AliasService",
];

function duration(value: unknown, field: string): number {
  const ms =
    typeof value === "number"
      ? value / 1e6
      : typeof value === "string"
        ? parseGoDuration(value)
        : undefined;
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new DefinitionError(
      `Invalid check: ${field}: must be a Go duration such as 10s, 1m or 1h30m`,
    );
  }
  return ms;
}

const given = (v: unknown) =>
  v !== undefined && v !== "" && v !== 0 && !(Array.isArray(v) && v.length === 0);

function checkKind(c: Record<string, unknown>, path: string): CheckKind {
  for (const field of NOT_RUN) {
    if (given(c[field]))
      throw new DefinitionError(
        `Invalid check: ${path}.${field}: muster-agent runs TTL, HTTP, TCP and script checks only`,
      );
  }
  const interval = given(c.Interval) ? duration(c.Interval, `${path}.Interval`) : 0;
  const timeout = given(c.Timeout) ? duration(c.Timeout, `${path}.Timeout`) : 10_000;
  const needInterval = (kind: string) => {
    if (interval <= 0)
      throw new DefinitionError(`Invalid check: ${path}: ${kind} checks need an Interval`);
    return { intervalMs: interval, timeoutMs: Math.min(timeout, interval) };
  };
  if (given(c.TTL)) {
    if (interval > 0)
      throw new DefinitionError("Invalid check: Interval and TTL cannot both be specified");
    const ttlMs = duration(c.TTL, `${path}.TTL`);
    if (ttlMs <= 0) throw new DefinitionError("Invalid check: TTL must be > 0 for TTL checks");
    return { kind: "ttl", ttlMs };
  }
  if (typeof c.HTTP === "string" && c.HTTP !== "")
    return { kind: "http", url: c.HTTP, ...needInterval("HTTP") };
  if (typeof c.TCP === "string" && c.TCP !== "")
    return { kind: "tcp", address: c.TCP, ...needInterval("TCP") };
  if (Array.isArray(c.ScriptArgs) && c.ScriptArgs.length > 0) {
    if (!c.ScriptArgs.every((a) => typeof a === "string"))
      throw new DefinitionError(`Invalid check: ${path}.ScriptArgs: must be strings`);
    return { kind: "script", args: c.ScriptArgs as string[], ...needInterval("script") };
  }
  throw new DefinitionError("Invalid check: TTL must be > 0 for TTL checks");
}

const isStatus = (v: unknown): v is Status =>
  v === "passing" || v === "warning" || v === "critical";

/**
 * Reads a registration; `node.address` stands in for a missing Address, as Consul's agent's
 * own does, and `node.name` makes a defaulted ID unique in the registry.
 */
export function readRegistration(
  body: unknown,
  node: { address: string; name: string },
): LocalRegistration {
  if (!isPlainObject(body)) throw new DefinitionError("Request decode failed: not a JSON object");
  const { value, unknown } = foldKeys(body, SERVICE_KEYS, { id: "ID", name: "Name" });
  const name = typeof value.Name === "string" ? value.Name : "";
  if (name === "") throw new DefinitionError("Missing service name");
  const id = typeof value.ID === "string" && value.ID !== "" ? value.ID : name;
  const upstreamId = id === name ? `${name}-${node.name}` : id;
  const raw: { check: Record<string, unknown>; path: string }[] = [];
  const one = value.Check;
  if (isPlainObject(one)) {
    const folded = foldKeys(one, CHECK_KEYS, CHECK_ALIASES).value;
    if (Object.values(folded).some(given)) raw.push({ check: folded, path: "Check" });
  }
  if (Array.isArray(value.Checks)) {
    value.Checks.forEach((c, i) => {
      if (!isPlainObject(c)) throw new DefinitionError(`Invalid check: Checks.${i}: not an object`);
      raw.push({ check: foldKeys(c, CHECK_KEYS, CHECK_ALIASES).value, path: `Checks.${i}` });
    });
  }
  const suffix = (n: number) => (raw.length > 1 ? `:${n + 1}` : "");
  const custom = (c: Record<string, unknown>) =>
    typeof c.CheckID === "string" && c.CheckID !== "" ? c.CheckID : undefined;
  const checks: LocalCheck[] = raw.map(({ check, path }, n) => ({
    checkId: custom(check) ?? `service:${id}${suffix(n)}`,
    upstreamId: custom(check) ?? `service:${upstreamId}${suffix(n)}`,
    name:
      typeof check.Name === "string" && check.Name !== "" ? check.Name : `Service '${name}' check`,
    notes: typeof check.Notes === "string" ? check.Notes : "",
    status: isStatus(check.Status) ? check.Status : "critical",
    kind: checkKind(check, path),
    deregisterAfter: check.DeregisterCriticalServiceAfter,
  }));
  if (checks.length === 0) {
    checks.push({
      checkId: `muster-agent:${id}`,
      upstreamId: `muster-agent:${upstreamId}`,
      name: "muster-agent heartbeat",
      notes: "Kept alive by muster-agent consul on the node",
      status: "passing",
      kind: { kind: "agent" },
      deregisterAfter: undefined,
    });
  }
  const upstream: Record<string, unknown> = {};
  for (const key of unknown) upstream[key] = body[key];
  const address =
    typeof value.Address === "string" && value.Address !== "" ? value.Address : node.address;
  Object.assign(upstream, { ID: upstreamId, Name: name, Address: address });
  return { id, upstreamId, name, checks, upstream };
}
