import { parseArgs } from "node:util";
import { formatHostPort, parseHostPort } from "../../shared/model/address.js";
import { serviceName } from "../../shared/model/names.js";
import { asUsageError, secondsFlag, tokenSource } from "../flags.js";
import { type Logger, stderrLogger } from "../log.js";
import { BOOTSTRAP_USAGE, UsageError } from "../usage.js";
import { keySource } from "./keys.js";
import { serveRelay } from "./server.js";
import { BootstrapUpstream } from "./upstream.js";

const OPTIONS = {
  listen: { type: "string" },
  registry: { type: "string" },
  service: { type: "string" },
  "token-file": { type: "string" },
  "join-url": { type: "string" },
  "verify-key": { type: "string", multiple: true },
  timeout: { type: "string" },
  "max-stale": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Next to muster's own local port (8787). */
export const DEFAULT_LISTEN = "127.0.0.1:8788";
const DRAIN_MS = 300;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Where the bootstrap answer is fetched from, and the registry's base URL (for its keys). */
interface Source {
  url: string;
  base: string;
  /** Whether the request carries the token (a join URL is its own credential). */
  bearer: boolean;
}

/** `host:port`; port 0 takes any free port (the listening line says which). */
function listenAddress(value: string): { host: string; port: number } | undefined {
  const any = /:0$/.test(value);
  const hp = parseHostPort(any ? value.replace(/:0$/, ":1") : value);
  return hp && { host: hp.host, port: any ? 0 : hp.port };
}

const JOIN_PATH = /^(.*)\/v1\/services\/([^/]+)\/join\/[^/]+(\/bootstrap)?\/?$/;

function source(flags: Record<string, string | undefined>): Source {
  const join = flags["join-url"];
  if (join !== undefined) {
    let url: URL;
    try {
      url = new URL(join);
    } catch {
      throw new UsageError("--join-url must be a URL");
    }
    const m = JOIN_PATH.exec(url.pathname);
    if (
      !/^https?:$/.test(url.protocol) ||
      !m ||
      !serviceName.safeParse(m[2]).success ||
      url.search !== ""
    ) {
      throw new UsageError(
        "--join-url must be a join URL: <registry>/v1/services/<service>/join/<…>",
      );
    }
    const base = `${url.origin}${m[1]}`;
    if (flags.service !== undefined && flags.service !== m[2]) {
      throw new UsageError(`--service ${flags.service} is not the join URL's service ${m[2]}`);
    }
    if (flags.registry !== undefined && flags.registry.replace(/\/+$/, "") !== base) {
      throw new UsageError(`--registry ${flags.registry} is not the join URL's registry ${base}`);
    }
    // Blixard's rule: the URL itself if it ends in /bootstrap, else /bootstrap appended.
    const path = url.pathname.endsWith("/bootstrap")
      ? url.pathname
      : `${url.pathname.replace(/\/+$/, "")}/bootstrap`;
    return { url: `${url.origin}${path}`, base, bearer: false };
  }
  if (!flags.registry) throw new UsageError("--registry is required (or $MUSTER_REGISTRY)");
  if (!flags.service) throw new UsageError("--service is required");
  const service = serviceName.safeParse(flags.service);
  if (!service.success) throw new UsageError("--service must be a service name (a DNS label)");
  let base: string;
  try {
    const u = new URL(flags.registry);
    if (!/^https?:$/.test(u.protocol)) throw new Error();
    base = `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    throw new UsageError("--registry must be an http(s) URL");
  }
  return { url: `${base}/v1/services/${service.data}/bootstrap`, base, bearer: true };
}

/** `muster-agent bootstrap`: serves until SIGTERM or SIGINT, then exits 0. */
export async function bootstrapCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  let flags: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  try {
    flags = parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
  } catch (err) {
    throw asUsageError(err);
  }
  if (flags.help) {
    process.stdout.write(BOOTSTRAP_USAGE);
    return 0;
  }
  const joinUrl = flags["join-url"] ?? (env.MUSTER_JOIN_URL?.trim() || undefined);
  if (joinUrl !== undefined && flags["token-file"] !== undefined) {
    throw new UsageError("give --token-file or --join-url, not both: a join URL needs no token");
  }
  const from = source({
    registry: flags.registry ?? (joinUrl ? undefined : env.MUSTER_REGISTRY?.trim() || undefined),
    service: flags.service,
    "join-url": joinUrl,
  });
  const listen = listenAddress(flags.listen ?? DEFAULT_LISTEN);
  if (!listen) throw new UsageError("--listen must be host:port, e.g. 127.0.0.1:8788");
  const timeoutMs = secondsFlag(flags.timeout, "timeout") ?? 5000;
  const maxStaleMs = secondsFlag(flags["max-stale"], "max-stale", 0) ?? 900_000;
  const token = from.bearer ? await tokenSource(flags["token-file"], env) : undefined;
  if (from.bearer && token === undefined) {
    throw new UsageError("no credential: give --token-file, set MUSTER_TOKEN, or use --join-url");
  }
  const name = new URL(from.base).origin;
  const plain = /^http:/i.test(from.base) && !LOOPBACK.test(new URL(from.base).hostname);
  if (plain)
    log.warn(`${name} is plain http: the credential and the answer cross the network in clear`);
  if (!LOOPBACK.test(listen.host)) {
    log.warn(
      `listening on ${listen.host}: anyone who reaches it reads the bootstrap node, no credential asked`,
    );
  }
  const verify = flags["verify-key"] ?? [`${from.base}/.well-known/muster-keys.json`];
  const upstream = new BootstrapUpstream({
    url: from.url,
    name,
    token,
    keys: keySource(verify, { timeoutMs }),
    timeoutMs,
    maxStaleMs,
    log,
  });

  let server: Awaited<ReturnType<typeof serveRelay>>;
  try {
    server = await serveRelay(listen.host, listen.port, () => upstream.answer());
  } catch (err) {
    log.error(
      `cannot listen on ${flags.listen ?? DEFAULT_LISTEN}: ${err instanceof Error ? err.message : err}`,
    );
    return 1;
  }
  const at = formatHostPort({ host: listen.host, port: server.port });
  log.info(`relaying ${name}'s bootstrap node on http://${at}/bootstrap (h2c and HTTP/1.1)`);
  // Warm the cache, so that a registry that is down from the start is said at once.
  void upstream.answer().then((a) => {
    if (a.kind === "ok") log.info(`bootstrap node fetched and verified from ${name}`);
  });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await server.close(DRAIN_MS);
  return 0;
}
