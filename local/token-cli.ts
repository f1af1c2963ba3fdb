import { parseArgs } from "node:util";
import { Env } from "../shared/settings/names.js";
import {
  adminRequest,
  adminTarget,
  parseDuration,
  runCli,
  TARGET_OPTIONS,
  TARGET_USAGE,
  UsageError,
} from "./admin-client.js";

const USAGE = `npm run token -- <command> [options]

Commands:
  create --name <name> --role <read|register|admin> [--service <name|prefix*>]... [--expires <d>]
         make a token; it is printed once and never shown again
  list   the live tokens (id, role, services, expiry; never a secret)
  revoke <id>
         delete a token: refused at once by the registry that answers, within
         ${Env.MUSTER_TOKEN_CACHE_SECONDS} (default 5) by every other warm Lambda container

  --service <s>  repeatable; a service name, or a prefix ending in * ('web-*')
  --expires <d>  lifetime: seconds, or with s/m/h/d (30d); default: never
  --json         print the registry's JSON answer

${TARGET_USAGE}
`;

interface Info {
  id: string;
  fingerprint: string;
  name: string;
  role: string;
  services: string[];
  expires_at: string | null;
  created_at: string;
  token?: string;
}

const scope = (t: Info) => (t.role === "admin" ? "every service" : t.services.join(", "));

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      name: { type: "string" },
      role: { type: "string" },
      service: { type: "string", multiple: true },
      expires: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const target = adminTarget(values, process.env);
  switch (command) {
    case "create": {
      if (!values.name || !values.role) throw new UsageError("create needs --name and --role");
      const body = {
        name: values.name,
        role: values.role,
        ...(values.service ? { services: values.service } : {}),
        ...(values.expires ? { expires_in: parseDuration(values.expires) } : {}),
      };
      const made = (await adminRequest(target, "POST", "/v1/admin/tokens", body)) as Info;
      if (values.json) {
        console.log(JSON.stringify(made, null, 2));
        return;
      }
      console.error(
        `made token ${made.id} "${made.name}": ${made.role} on ${scope(made)}, ` +
          `${made.expires_at ? `expires ${made.expires_at}` : "never expires"}. ` +
          "It is shown this once:",
      );
      // The token alone on stdout, so that `npm run -s token -- create … > file` keeps it.
      console.log(made.token);
      return;
    }
    case "list": {
      const { tokens } = (await adminRequest(target, "GET", "/v1/admin/tokens")) as {
        tokens: Info[];
      };
      if (values.json) {
        console.log(JSON.stringify(tokens, null, 2));
        return;
      }
      if (tokens.length === 0) console.error("no scoped tokens");
      for (const t of tokens) {
        console.log(
          [
            t.id,
            t.role,
            JSON.stringify(t.name),
            scope(t),
            t.expires_at ?? "never",
            t.fingerprint,
          ].join("\t"),
        );
      }
      return;
    }
    case "revoke": {
      const [id] = rest;
      if (id === undefined || rest.length !== 1) throw new UsageError("revoke needs one token id");
      await adminRequest(target, "DELETE", `/v1/admin/tokens/${encodeURIComponent(id)}`);
      console.error(`revoked ${id}`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

runCli("token", USAGE, main);
