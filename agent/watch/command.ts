import { formatPath, WATCHABLE } from "../../shared/formats/registry.js";
import { httpCheck } from "../checks/http.js";
import { commaList, parseCommandLine, readTarget, secondsFlag, TARGET_OPTIONS } from "../flags.js";
import { parseConfigMapRef } from "../kube/configmap-writer.js";
import { findKubeTarget } from "../kube/kubeconfig.js";
import { type Logger, stderrLogger } from "../log.js";
import { UsageError, WATCH_USAGE } from "../usage.js";
import { configMapWriter } from "./configmap.js";
import { filesOf, writeChanged } from "./files.js";
import { watchLoop } from "./loop.js";
import { ChangeHook } from "./on-change.js";

const OPTIONS = {
  ...TARGET_OPTIONS,
  format: { type: "string" },
  out: { type: "string" },
  "out-dir": { type: "string" },
  configmap: { type: "string" },
  "on-change": { type: "string" },
  "check-http": { type: "string" },
  tag: { type: "string", multiple: true },
  wait: { type: "string" },
  interval: { type: "string" },
  debounce: { type: "string" },
} as const;

const COUNTS = ["no", "one", "two", "three", "four", "five", "six"];

/** `muster-agent watch`: runs until SIGTERM or SIGINT, then exits 0. */
export async function watchCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  const flags = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true },
    WATCH_USAGE,
  )?.values;
  if (!flags) return 0;
  const { registry, service, token, signer, timeoutMs } = await readTarget(flags, env);
  const format = flags.format === undefined ? undefined : WATCHABLE.get(flags.format);
  if (!format)
    throw new UsageError(`--format is one of ${[...WATCHABLE.keys()].sort().join(", ")}`);
  const out = flags.out;
  const outDir = flags["out-dir"];
  const configMap = flags.configmap;
  if ([out, outDir, configMap].filter((t) => t !== undefined).length !== 1) {
    throw new UsageError(
      "give --out FILE, --out-dir DIR or --configmap NAMESPACE/NAME (one of them)",
    );
  }
  const files = format.watch.files.length;
  if (files > 1 && out !== undefined) {
    throw new UsageError(
      `--format ${format.watch.as} writes ${COUNTS[files] ?? files} files: give --out-dir DIR or --configmap NAMESPACE/NAME`,
    );
  }
  const checkUrl = flags["check-http"];
  if (checkUrl !== undefined && !/^https?:\/\//i.test(checkUrl)) {
    throw new UsageError("--check-http must be an http or https URL");
  }
  const waitMs = secondsFlag(flags.wait, "wait", 0) ?? 60_000;
  const intervalMs = secondsFlag(flags.interval, "interval", 0.1) ?? 5000;
  const debounceMs = secondsFlag(flags.debounce, "debounce", 0) ?? 1000;

  const query = new URLSearchParams();
  for (const tag of commaList(flags.tag)) query.append("tag", tag);
  const qs = query.toString();
  const base = new URL(registry);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const url = `${prefix}${formatPath(format, service)}${qs ? `?${qs}` : ""}`;

  // The ConfigMap's credentials are found before anything runs: none at all is a start-up error.
  let write: (body: string) => Promise<string[]>;
  let kept = "files left as they are";
  if (configMap !== undefined) {
    const kube = findKubeTarget({ env });
    let ref: ReturnType<typeof parseConfigMapRef>;
    try {
      ref = parseConfigMapRef(configMap, kube.namespace);
    } catch (err) {
      throw new UsageError(`--configmap: ${(err as Error).message}`);
    }
    write = configMapWriter(format.watch, kube, ref);
    kept = `configmap ${ref.namespace}/${ref.name} left as it is`;
  } else {
    const watch = format.watch;
    write = (body) => writeChanged(filesOf(watch, body, { out, outDir }));
  }

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
  log.info(`watching ${url.replace(/\?.*$/, "")} (${format.watch.as})`);
  try {
    await watchLoop({
      url,
      write,
      kept,
      token,
      signer,
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
