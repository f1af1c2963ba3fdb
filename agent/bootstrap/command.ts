import { formatHostPort, parseHostPort } from "../../shared/model/address.js";
import { serviceName } from "../../shared/model/names.js";
import type { RequestSigner } from "../aws/sigv4.js";
import type { TokenSource } from "../client/registry-client.js";
import {
  parseCommandLine,
  readTarget,
  secondsFlag,
  TARGET_OPTIONS,
  type Target,
  timeoutFlag,
} from "../flags.js";
import { type Logger, stderrLogger } from "../log.js";
import { BOOTSTRAP_USAGE, UsageError } from "../usage.js";
import { keySource } from "./keys.js";
import { serveRelay } from "./server.js";
import { BootstrapUpstream } from "./upstream.js";

const OPTIONS = {
  ...TARGET_OPTIONS,
  listen: { type: "string" },
  "join-url": { type: "string" },
  "verify-key": { type: "string", multiple: true },
  "max-stale": { type: "string" },
} as const;

/** Next to muster's own local port (8787). */
export const DEFAULT_LISTEN = "127.0.0.1:8788";
const DRAIN_MS = 300;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Where the bootstrap answer is fetched from, and the registry's base URL (for its keys). */
interface Source {
  url: string;
  base: string;
  /** The bearer token; none for a join URL, which is its own credential. */
  token: TokenSource | undefined;
  /** `--aws-iam`: the bootstrap read signed with this node's AWS role instead. */
  signer?: RequestSigner | undefined;
  timeoutMs: number;
}

/** `host:port`; port 0 takes any free port (the listening line says which). */
function listenAddress(value: string): { host: string; port: number } | undefined {
  const any = /:0$/.test(value);
  const hp = parseHostPort(any ? value.replace(/:0$/, ":1") : value);
  return hp && { host: hp.host, port: any ? 0 : hp.port };
}

const JOIN_PATH = /^(.*)\/v1\/services\/([^/]+)\/join\/[^/]+(\/bootstrap)?\/?$/;

/** `--join-url`: the service and the registry are the URL's; `--registry`/`--service` must agree. */
function fromJoinUrl(
  join: string,
  flags: { registry?: string; service?: string; timeout?: string },
): Source {
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
  return {
    url: `${url.origin}${path}`,
    base,
    token: undefined,
    timeoutMs: timeoutFlag(flags.timeout),
  };
}

/** `--registry` and `--service` (the agent's one prelude, as `run` and `watch`): a token is needed. */
function fromTarget(target: Target): Source {
  const u = new URL(target.registry);
  const base = `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
  if (target.token === undefined && target.signer === undefined) {
    throw new UsageError(
      "no credential: give --token-file, set MUSTER_TOKEN, use --join-url, or --aws-iam",
    );
  }
  return {
    url: `${base}/v1/services/${target.service}/bootstrap`,
    base,
    token: target.token,
    signer: target.signer,
    timeoutMs: target.timeoutMs,
  };
}

/** `muster-agent bootstrap`: serves until SIGTERM or SIGINT, then exits 0. */
export async function bootstrapCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  const flags = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true },
    BOOTSTRAP_USAGE,
  )?.values;
  if (!flags) return 0;
  const joinUrl = flags["join-url"] ?? (env.MUSTER_JOIN_URL?.trim() || undefined);
  if (joinUrl !== undefined && flags["token-file"] !== undefined) {
    throw new UsageError("give --token-file or --join-url, not both: a join URL needs no token");
  }
  const from =
    joinUrl !== undefined ? fromJoinUrl(joinUrl, flags) : fromTarget(await readTarget(flags, env));
  const listen = listenAddress(flags.listen ?? DEFAULT_LISTEN);
  if (!listen) throw new UsageError("--listen must be host:port, e.g. 127.0.0.1:8788");
  const { timeoutMs, token, signer } = from;
  const maxStaleMs = secondsFlag(flags["max-stale"], "max-stale", 0) ?? 900_000;
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
    signer,
    // With --aws-iam the registry's keys are read signed too (a function URL answers nothing else).
    keys: keySource(verify, { timeoutMs, signer }),
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
