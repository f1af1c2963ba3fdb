import { parseArgs } from "node:util";
import { httpCheck } from "../checks/http.js";
import { asUsageError, commaList, secondsFlag, tokenSource } from "../flags.js";
import { type Logger, stderrLogger } from "../log.js";
import { UsageError, WATCH_USAGE } from "../usage.js";
import { FORMAT_PATHS, WATCH_FORMATS, type WatchFormat } from "./files.js";
import { watchLoop } from "./loop.js";
import { ChangeHook } from "./on-change.js";

const OPTIONS = {
  registry: { type: "string" },
  service: { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  "out-dir": { type: "string" },
  "on-change": { type: "string" },
  "check-http": { type: "string" },
  tag: { type: "string", multiple: true },
  wait: { type: "string" },
  interval: { type: "string" },
  debounce: { type: "string" },
  "token-file": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `muster-agent watch`: runs until SIGTERM or SIGINT, then exits 0. */
export async function watchCommand(
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
    process.stdout.write(WATCH_USAGE);
    return 0;
  }
  const registry = flags.registry ?? env.MUSTER_REGISTRY;
  if (!registry) throw new UsageError("--registry is required (or set MUSTER_REGISTRY)");
  let base: URL;
  try {
    base = new URL(registry);
  } catch {
    throw new UsageError(`--registry ${registry} is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new UsageError("--registry must be an http or https URL");
  }
  if (!flags.service || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(flags.service)) {
    throw new UsageError("--service is required: a DNS label");
  }
  const format = flags.format as WatchFormat | undefined;
  if (!format || !WATCH_FORMATS.includes(format)) {
    throw new UsageError(`--format is one of ${WATCH_FORMATS.join(", ")}`);
  }
  const out = flags.out;
  const outDir = flags["out-dir"];
  if ((out === undefined) === (outDir === undefined)) {
    throw new UsageError("give --out FILE or --out-dir DIR (one of them)");
  }
  if (format === "stellar" && outDir === undefined) {
    throw new UsageError("--format stellar writes three files: give --out-dir DIR");
  }
  const checkUrl = flags["check-http"];
  if (checkUrl !== undefined && !/^https?:\/\//i.test(checkUrl)) {
    throw new UsageError("--check-http must be an http or https URL");
  }
  const waitMs = secondsFlag(flags.wait, "wait", 0) ?? 60_000;
  const intervalMs = secondsFlag(flags.interval, "interval", 0.1) ?? 5000;
  const debounceMs = secondsFlag(flags.debounce, "debounce", 0) ?? 1000;
  const timeoutMs = secondsFlag(flags.timeout, "timeout") ?? 5000;
  const token = await tokenSource(flags["token-file"], env);

  const query = new URLSearchParams();
  for (const tag of commaList(flags.tag)) query.append("tag", tag);
  const qs = query.toString();
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const url = `${prefix}/v1/services/${flags.service}/${FORMAT_PATHS[format]}${qs ? `?${qs}` : ""}`;

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  const command = flags["on-change"];
  const hook = command
    ? new ChangeHook({
        command,
        check: checkUrl ? httpCheck(checkUrl) : undefined,
        debounceMs,
        checkIntervalMs: Math.max(1000, Math.min(intervalMs, 5000)),
        checkTimeoutMs: Math.min(timeoutMs, 5000),
        log,
        signal: stop.signal,
      })
    : undefined;
  log.info(`watching ${url.replace(/\?.*$/, "")} (${format})`);
  try {
    await watchLoop({
      url,
      format,
      target: { out, outDir },
      token,
      waitSeconds: Math.round(waitMs / 1000),
      intervalMs,
      timeoutMs,
      onWrite: () => hook?.trigger(),
      log,
      signal: stop.signal,
    });
    await hook?.idle();
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
  return 0;
}
