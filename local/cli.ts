import { parseArgs } from "node:util";
import { readDebug } from "../shared/settings/local.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import { DamagedDatabaseError } from "../shared/store/sqlite/index.js";
import { EXIT_REFUSED } from "./exit-status.js";
import { serve } from "./serve.js";

const USAGE = `usage: muster serve [--port <n>] [--host <address>] [--data-dir <dir>]

Runs the registry on this machine, storing it in SQLite in the data folder.
Flags override the environment: ${Env.PORT} (default 8787), ${Env.HOST} (default 127.0.0.1),
${Env.MUSTER_DATA_DIR} (default .muster). ${Env.MUSTER_STORE}=dynamodb stores it in a DynamoDB table
instead (AWS_ENDPOINT_URL_DYNAMODB chooses the endpoint). See docs/local-mode.md.`;

/** Start-up failures the operator can fix: one line, no stack. */
function isExpected(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof DamagedDatabaseError;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command = "serve", ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (command !== "serve" || rest.length > 0) {
    console.error(USAGE);
    process.exit(2);
  }
  const env = { ...process.env };
  if (values.port !== undefined) env[Env.PORT] = values.port;
  if (values.host !== undefined) env[Env.HOST] = values.host;
  if (values["data-dir"] !== undefined) env[Env.MUSTER_DATA_DIR] = values["data-dir"];
  await serve(env);
}

main(process.argv.slice(2)).catch((err) => {
  if (isExpected(err)) {
    console.error(`muster: ${err.message}`);
    process.exit(EXIT_REFUSED);
  } else if ((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`muster: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  } else {
    // Unexpected: still one line first, then the detail for a bug report.
    console.error(`muster: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    if (readDebug(process.env)) console.error(err);
  }
  process.exit(1);
});
