import { parseArgs } from "node:util";
import { PRESIGNABLE } from "../shared/formats/registry.js";
import { orList, wrap } from "../shared/formats/usage.js";
import {
  adminRequest,
  adminTarget,
  parseDuration,
  runCli,
  TARGET_OPTIONS,
  TARGET_USAGE,
  UsageError,
} from "./admin-client.js";

/** Every format a URL can be minted for, and what sets one apart. */
const FILES = wrap(
  orList(
    PRESIGNABLE.map((f) =>
      f.presign === "join"
        ? `${f.name} (a Blixard join URL)`
        : f.scope === "instance"
          ? `${f.name} (needs --id)`
          : f.name,
    ),
  ),
  21,
);

const USAGE = `npm run presign -- --service <name> --file <file> [--id <instance>] [--ttl <d>]

Prints an HTTPS URL that reads one file of one service with no Authorization header, until it
expires or its key leaves the registry's presign key set. With --file bootstrap, a join URL
for Blixard: blixard node --id 2 --bind 0.0.0.0:7001 --join-address "<url>".

  --service <name>   the service
  --file <file>      ${FILES}
  --id <instance>    the node whose registry.json to sign
  --ttl <d>          lifetime: seconds, or with s/m/h/d (default 1d, at most 90d)
  --base-url <url>   the URL joining nodes reach the registry at (default: --registry)

${TARGET_USAGE}
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      service: { type: "string" },
      file: { type: "string" },
      id: { type: "string" },
      ttl: { type: "string" },
      "base-url": { type: "string" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}`);
  if (!values.service || !values.file) throw new UsageError("--service and --file are needed");
  const target = adminTarget(values, process.env);
  const out = (await adminRequest(target, "POST", "/v1/admin/presign", {
    service: values.service,
    file: values.file,
    ...(values.id ? { id: values.id } : {}),
    ...(values.ttl ? { ttl: parseDuration(values.ttl) } : {}),
    base_url: values["base-url"] ?? target.registry,
  })) as { url: string; expires_at: string };
  console.error(`expires ${out.expires_at}`);
  console.log(out.url);
}

runCli("presign", USAGE, main);
