import { bootstrapCommand } from "./bootstrap/command.js";
import { joinCommand } from "./join/command.js";
import { stderrLogger } from "./log.js";
import { runCommand } from "./run.js";
import { BOOTSTRAP_USAGE, JOIN_USAGE, RUN_USAGE, USAGE, UsageError, WATCH_USAGE } from "./usage.js";
import { watchCommand } from "./watch/command.js";

/** The command line: `run`, `join`, `watch`, `help`. Resolves with the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runCommand(rest, env);
    case "join":
      return joinCommand(rest, env);
    case "watch":
      return watchCommand(rest, env);
    case "bootstrap":
      return bootstrapCommand(rest, env);
    case "help":
      process.stdout.write(
        rest[0] === "run"
          ? RUN_USAGE
          : rest[0] === "join"
            ? JOIN_USAGE
            : rest[0] === "watch"
              ? WATCH_USAGE
              : rest[0] === "bootstrap"
                ? BOOTSTRAP_USAGE
                : USAGE,
      );
      return 0;
    case undefined:
    case "-h":
    case "--help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`muster-agent: ${err.message}\nTry 'muster-agent help'.\n`);
      process.exit(2);
    }
    stderrLogger().error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
