import { hostname, networkInterfaces } from "node:os";
import { TTL_DEFAULT } from "../../shared/model/heartbeat.js";
import { parseCommandLine, secondsFlag, tokenSource } from "../flags.js";
import { type Logger, stderrLogger } from "../log.js";
import { CONSUL_USAGE, UsageError } from "../usage.js";
import { LocalAgent } from "./local-agent.js";
import { serveConsulAgent } from "./server.js";
import { Upstream } from "./upstream.js";

const OPTIONS = {
  listen: { type: "string" },
  registry: { type: "string" },
  "token-file": { type: "string" },
  node: { type: "string" },
  address: { type: "string" },
  ttl: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The node's first non-internal IPv4 address: what Consul's agent advertises by default. */
function nodeAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/** A node name fit for an instance ID: the host name, what an instance ID may not hold replaced. */
const nodeName = (name: string) => name.replace(/[^A-Za-z0-9.-]/g, "-").slice(0, 63) || "node";

/** `--listen host:port`; port 0 takes a free one (the listening line says which). */
function listenFlag(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError("--listen must be host:port, e.g. 127.0.0.1:8500");
  return { host: m[1] as string, port };
}

/** `muster-agent consul`: resolves with the exit status once it has stopped. */
export async function consulCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  const flags = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true },
    CONSUL_USAGE,
  )?.values;
  if (!flags) return 0;
  const registry = flags.registry ?? env.MUSTER_REGISTRY;
  if (!registry || !URL.canParse(registry) || !/^https?:$/.test(new URL(registry).protocol)) {
    throw new UsageError(
      "--registry must be the registry's http or https URL (or set MUSTER_REGISTRY)",
    );
  }
  const token = await tokenSource(flags["token-file"], env);
  if (!token) throw new UsageError("no token: pass --token-file or set MUSTER_TOKEN");
  const listen = listenFlag(flags.listen ?? "127.0.0.1:8500");
  const ttlMs = secondsFlag(flags.ttl, "ttl", 5) ?? TTL_DEFAULT * 1000;
  const timeoutMs = secondsFlag(flags.timeout, "timeout") ?? 5000;
  const node = {
    name: nodeName(flags.node ?? hostname()),
    address: flags.address ?? nodeAddress(),
  };

  const upstream = new Upstream(registry, token, timeoutMs);
  const agent = new LocalAgent({ upstream, node, upstreamTtlMs: ttlMs, log });
  let datacenter: string | undefined;
  const datacenterOf = async () => {
    if (datacenter) return datacenter;
    try {
      const self = (await upstream.getJson("/v1/agent/self")) as {
        Config?: { Datacenter?: unknown };
      };
      if (typeof self.Config?.Datacenter === "string") datacenter = self.Config.Datacenter;
    } catch (err) {
      log.warn(`the registry's datacenter: ${(err as Error).message}`);
    }
    return datacenter ?? "dc1";
  };
  await datacenterOf();
  const { server, url } = await serveConsulAgent({
    agent,
    upstream,
    host: listen.host,
    port: listen.port,
    datacenter: datacenterOf,
    log,
  });
  agent.start();
  log.info(
    `consul: listening on ${url} for node ${node.name} (${node.address}), registry ${registry}`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting without deregistering`);
        process.exit(130);
      }
      stopping = true;
      log.info(`${signal}: deregistering`);
      server.close();
      server.closeAllConnections();
      agent.shutdown().finally(resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  return 0;
}
