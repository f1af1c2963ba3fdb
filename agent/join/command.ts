import { join } from "node:path";
import { BLIXARD_PEERS_FILE } from "../../shared/formats/peers-json.js";
import {
  AWS_OPTIONS,
  awsSigner,
  commaList,
  parseCommandLine,
  secondsFlag,
  signerFor,
  tokenSource,
} from "../flags.js";
import { type Logger, stderrLogger } from "../log.js";
import { JOIN_USAGE, UsageError } from "../usage.js";
import { discoverLayered, joinLayers } from "./layered.js";
import { formatPeers, writeFileAtomically } from "./output.js";
import { loadTrustedKeys, UntrustedAnswerError } from "./verify.js";

const OPTIONS = {
  out: { type: "string" },
  "data-dir": { type: "string" },
  format: { type: "string" },
  seed: { type: "string", multiple: true },
  srv: { type: "string" },
  "dns-server": { type: "string", multiple: true },
  "token-file": { type: "string" },
  ...AWS_OPTIONS,
  timeout: { type: "string" },
  "verify-key": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/** `muster-agent join`: resolves with the exit status. */
export async function joinCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  log: Logger = stderrLogger(),
): Promise<number> {
  const parsed = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true, allowPositionals: true },
    JOIN_USAGE,
  );
  if (!parsed) return 0;
  const flags = parsed.values;
  const format = flags.format ?? "json";
  if (format !== "json" && format !== "txt") throw new UsageError("--format is json or txt");
  if (flags.out !== undefined && flags["data-dir"] !== undefined) {
    throw new UsageError("give --out or --data-dir, not both");
  }
  const out =
    flags["data-dir"] !== undefined ? join(flags["data-dir"], BLIXARD_PEERS_FILE) : flags.out;
  const locations =
    parsed.positionals.length > 0
      ? parsed.positionals
      : commaList([env.BLIXARD_NODE_REGISTRIES ?? ""]);
  const token = await tokenSource(flags["token-file"], env);
  const signer = awsSigner(flags, env);
  // Every http(s) location is signed for: each must be a function URL, or --aws-region given.
  for (const location of locations.filter((l) => /^https?:\/\//i.test(l))) {
    signerFor(location, flags, env);
  }
  const timeoutMs = secondsFlag(flags.timeout, "timeout");
  const verifyKeys = flags["verify-key"] ?? [];
  let verify: Awaited<ReturnType<typeof loadTrustedKeys>> | undefined;
  if (verifyKeys.length > 0) {
    for (const source of verifyKeys) {
      if (/^http:\/\//i.test(source) && !/^http:\/\/(127\.|\[::1\]|localhost[:/])/i.test(source)) {
        log.warn(
          `--verify-key ${source} is fetched without TLS: whoever is in the path chooses the keys`,
        );
      }
    }
    try {
      verify = await loadTrustedKeys(verifyKeys, { timeoutMs, signer });
    } catch (err) {
      log.error(err instanceof Error ? err.message : String(err));
      return 1;
    }
  }

  let layers: ReturnType<typeof joinLayers>;
  try {
    layers = joinLayers({
      seeds: flags.seed ?? [],
      locations,
      srv: flags.srv,
      dns: { servers: flags["dns-server"], timeoutMs },
      token,
      signer,
      timeoutMs,
      verify,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (layers.length === 0) {
    throw new UsageError(
      "nothing to join from: give locations, --seed or --srv (or set BLIXARD_NODE_REGISTRIES)",
    );
  }

  let result: Awaited<ReturnType<typeof discoverLayered>>;
  try {
    result = await discoverLayered(layers);
  } catch (err) {
    if (!(err instanceof UntrustedAnswerError)) throw err;
    log.error(`${err.message}; nothing written${out ? `, ${out} left as it was` : ""}`);
    return 1;
  }
  for (const o of result.outcomes) {
    for (const w of o.warnings) log.warn(`${o.layer}: ${w}`);
    if (o.error !== undefined) log.warn(`${o.layer} failed: ${o.error}`);
  }
  const failed = result.outcomes.some((o) => o.error !== undefined);
  if (result.peers.length === 0 && failed) {
    log.error(`no peers found${out ? `; ${out} left as it was` : ""}`);
    return 1;
  }
  if (result.peers.length === 0) {
    log.info("every source answered with no peers: this node starts a cluster of its own");
  }
  const { text, written, omitted } = formatPeers(result.peers, format);
  if (omitted > 0) {
    log.warn(
      `left out ${omitted} of ${result.peers.length} peer(s) with no cluster node id or no valid iroh_node_id: Blixard cannot read them (they are in --format txt)`,
    );
  }
  if (out === undefined) {
    // Flushed before the caller exits: stdout may be a pipe, and process.exit does not wait.
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
    );
  } else {
    await writeFileAtomically(out, text);
    log.info(`wrote ${written} peer(s) from ${result.layer ?? "nowhere"} to ${out}`);
  }
  return 0;
}
