import type { parseArgs } from "node:util";
import { type HeartbeatBody, heartbeatBody, TTL_DEFAULT } from "../shared/model/heartbeat.js";
import type { HealthCheck } from "./checks/check.js";
import { execCheck } from "./checks/exec.js";
import { httpCheck } from "./checks/http.js";
import { tcpCheck } from "./checks/tcp.js";
import { RegistryClient } from "./client/registry-client.js";
import {
  commaList,
  numberFlag,
  parseCommandLine,
  readTarget,
  secondsFlag,
  TARGET_OPTIONS,
} from "./flags.js";
import { Heartbeater } from "./heartbeater.js";
import { IMDS_ENDPOINT, readEc2Identity } from "./imds.js";
import { type Logger, stderrLogger } from "./log.js";
import { RUN_USAGE, UsageError } from "./usage.js";

const OPTIONS = {
  ...TARGET_OPTIONS,
  id: { type: "string" },
  address: { type: "string" },
  ttl: { type: "string" },
  tags: { type: "string", multiple: true },
  meta: { type: "string", multiple: true },
  weight: { type: "string" },
  "instance-version": { type: "string" },
  "cluster-node-id": { type: "string" },
  "iroh-node-id": { type: "string" },
  "direct-address": { type: "string", multiple: true },
  "relay-url": { type: "string" },
  "check-http": { type: "string" },
  "check-tcp": { type: "string" },
  "check-exec": { type: "string" },
  "check-interval": { type: "string" },
  "check-timeout": { type: "string" },
  ec2: { type: "boolean" },
  port: { type: "string" },
} as const;

type RunFlags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

/** The heartbeat body's fields and the flags that set them, to name the flag in an error. */
const FLAG_OF: Record<string, string> = {
  id: "--id",
  address: "--address",
  direct_addresses: "--direct-address",
  relay_url: "--relay-url",
  iroh_node_id: "--iroh-node-id",
  cluster_node_id: "--cluster-node-id",
  tags: "--tags",
  metadata: "--meta",
  version: "--instance-version",
  weight: "--weight",
  ttl: "--ttl",
};

/** `muster-agent run`: resolves with the exit status once the agent has stopped. */
export async function runCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  const flags = parseCommandLine({ args: argv, options: OPTIONS, strict: true }, RUN_USAGE)?.values;
  if (!flags) return 0;
  const { registry, service, token, signer, timeoutMs } = await readTarget(flags, env);
  if (!token && !signer) {
    throw new UsageError(
      "no token: pass --token-file or set MUSTER_TOKEN, or --aws-iam to sign with this node's AWS role",
    );
  }
  const check = healthCheck(flags);
  const checkIntervalMs = secondsFlag(flags["check-interval"], "check-interval");
  const checkTimeoutMs = secondsFlag(flags["check-timeout"], "check-timeout");
  if (!flags.ec2 && flags.id === undefined) throw new UsageError("--id is required (or --ec2)");
  if (!flags.ec2 && flags.address === undefined) {
    throw new UsageError("--address is required (or --ec2 with --port)");
  }
  if (flags.ec2 && flags.address === undefined && flags.port === undefined) {
    throw new UsageError("--ec2 without --address needs --port");
  }
  if (!flags.ec2 && flags.port !== undefined) throw new UsageError("--port goes with --ec2");
  if (!check && (checkIntervalMs !== undefined || checkTimeoutMs !== undefined)) {
    throw new UsageError("--check-interval and --check-timeout need a --check-* flag");
  }
  const metadata = metadataFlags(flags.meta);

  let id = flags.id;
  let address = flags.address;
  if (flags.ec2) {
    const ec2 = await readEc2Identity({ endpoint: flags["imds-endpoint"] ?? IMDS_ENDPOINT });
    id ??= ec2.instanceId;
    address ??= `${ec2.localIpv4}:${flags.port}`;
    metadata.ec2_instance_id = ec2.instanceId;
    log.info(`EC2 instance ${ec2.instanceId} at ${ec2.localIpv4}`);
  }

  const body = validBody({
    id,
    address,
    ...(flags["direct-address"] ? { direct_addresses: flags["direct-address"] } : {}),
    ...(flags["relay-url"] !== undefined ? { relay_url: flags["relay-url"] } : {}),
    ...(flags["iroh-node-id"] !== undefined ? { iroh_node_id: flags["iroh-node-id"] } : {}),
    ...(flags["cluster-node-id"] !== undefined
      ? { cluster_node_id: numberFlag(flags["cluster-node-id"]) }
      : {}),
    ...(flags.tags ? { tags: commaList(flags.tags) } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(flags["instance-version"] !== undefined ? { version: flags["instance-version"] } : {}),
    ...(flags.weight !== undefined ? { weight: numberFlag(flags.weight) } : {}),
    ttl: numberFlag(flags.ttl) ?? TTL_DEFAULT,
  });
  const { status: _decidedByCheck, ...instance } = body;

  const backoffCapMs = Math.min(body.ttl, 30) * 1000;
  const client = new RegistryClient({
    registry,
    token,
    signer,
    timeoutMs,
    // Reopens no more often than the backoff's ceiling: one probe a node per TTL at most.
    breaker: { failureThreshold: 3, cooldownMs: backoffCapMs },
  });
  const agent = new Heartbeater({
    client,
    service,
    instance,
    check,
    checkIntervalMs,
    checkTimeoutMs,
    log,
  });

  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": the lease will lapse on its own.
      log.warn(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    log.info(`${signal}: deregistering`);
    stopping = agent.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    await agent.start();
  } catch (err) {
    log.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
  await stopping;
  return 0;
}

function healthCheck(flags: RunFlags): HealthCheck | undefined {
  const given = (["check-http", "check-tcp", "check-exec"] as const).filter(
    (f) => flags[f] !== undefined,
  );
  if (given.length > 1) throw new UsageError(`give one health check, not ${given.join(" and ")}`);
  if (flags["check-http"] !== undefined) {
    const url = flags["check-http"];
    if (!/^https?:\/\//i.test(url)) throw new UsageError("--check-http needs an http(s) URL");
    return httpCheck(url);
  }
  if (flags["check-tcp"] !== undefined) {
    try {
      return tcpCheck(flags["check-tcp"]);
    } catch {
      throw new UsageError("--check-tcp needs host:port");
    }
  }
  if (flags["check-exec"] !== undefined) return execCheck(flags["check-exec"]);
  return undefined;
}

function metadataFlags(values: readonly string[] | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of values ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--meta ${JSON.stringify(pair)}: expected key=value`);
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return metadata;
}

/** Through the registry's own schema, so a bad flag gets the words the server would answer. */
function validBody(input: Record<string, unknown>): HeartbeatBody {
  const parsed = heartbeatBody.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const [field, ...rest] = issue.path.map(String);
    const flag = FLAG_OF[field ?? ""] ?? field ?? "(flags)";
    const where = rest.length > 0 ? ` (${[field, ...rest].join(".")})` : "";
    return `  ${flag}${where}: ${issue.message}`;
  });
  throw new UsageError(`invalid flags:\n${lines.join("\n")}`);
}
