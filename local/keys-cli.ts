import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { createSecretsManagerClient } from "../shared/secrets/secrets-manager.js";
import { readAdminCliSettings } from "../shared/settings/admin-cli.js";
import { Env } from "../shared/settings/names.js";
import {
  DEFAULT_GRACE_SECONDS,
  newKeySet,
  prepareNext,
  readStored,
  rotate,
  SigningKeys,
  type StoredKeySet,
  serializeKeySet,
} from "../shared/signing/keys.js";
import {
  ensureSigningKeys,
  readSigningKeysFile,
  signingKeysPath,
  writeSigningKeysFile,
} from "./signing-keys.js";

const USAGE = `npm run keys -- <command> [--data-dir <dir> | --secret <arn>] [--grace <duration>]

Commands:
  show      print the public keys document (what /.well-known/muster-keys.json serves)
  init      make the key set if there is none (local mode does this on its first start)
  prepare   add a "next" key: published, not yet signing (give pinned verifiers the new
            document, then rotate)
  rotate    the next key (or a new one) signs from now on; the old one is retired and stays
            published for the grace period

Where the set is kept:
  --data-dir <dir>   local mode's data folder (default $${Env.MUSTER_DATA_DIR} or .muster)
  --secret <arn>     a Secrets Manager secret (the stack's SigningKeysSecretArn output), read
                     and written with your own AWS credentials; the API picks the change up
                     within five minutes

  --grace <d>        how long a retired key stays valid: seconds, or with s/m/h/d
                     (default $${Env.MUSTER_SIGNING_GRACE} or 7d)
`;

/** `7d`, `12h`, `90m`, `3600` → seconds. */
function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (e.g. 3600, 12h, 7d)`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

interface Place {
  read(): Promise<string | undefined>;
  write(set: StoredKeySet): Promise<void>;
  name: string;
}

function filePlace(dataDir: string): Place {
  return {
    name: signingKeysPath(dataDir),
    read: async () => {
      try {
        return readSigningKeysFile(dataDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
    write: async (set) => writeSigningKeysFile(dataDir, set),
  };
}

function secretPlace(secretId: string): Place {
  const client = createSecretsManagerClient();
  return {
    name: secretId,
    read: async () =>
      (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
    write: async (set) => {
      await client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: serializeKeySet(set) }),
      );
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      secret: { type: "string" },
      grace: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command || positionals.length > 1) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.secret && values["data-dir"]) throw new Error("give --data-dir or --secret, not both");
  const settings = readAdminCliSettings(process.env);
  const dataDir = resolve(values["data-dir"] ?? settings.dataDir);
  const place = values.secret ? secretPlace(values.secret) : filePlace(dataDir);
  const graceText = values.grace ?? settings.signingGrace;
  const grace = () => (graceText === undefined ? DEFAULT_GRACE_SECONDS : parseDuration(graceText));
  const now = Date.now();

  if (command === "init") {
    if (values.secret) {
      const existing = await place.read();
      if (existing !== undefined && existing.trim() !== "") {
        console.log(`${place.name} already holds a key set; nothing changed`);
        return 0;
      }
      await place.write(newKeySet(now));
    } else if (!ensureSigningKeys(dataDir, now)) {
      console.log(`${place.name} already exists; nothing changed`);
      return 0;
    }
    console.log(`made a signing key set in ${place.name}`);
    return 0;
  }

  const text = await place.read();
  if (text === undefined) throw new Error(`no signing key set in ${place.name} (run init)`);
  const stored = readStored(text);
  let next: StoredKeySet;
  if (command === "show") {
    process.stdout.write(`${JSON.stringify(SigningKeys.parse(text).document(now), null, 2)}\n`);
    return 0;
  } else if (command === "prepare") {
    next = prepareNext(stored, now);
  } else if (command === "rotate") {
    next = rotate(stored, now, grace());
  } else {
    process.stderr.write(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 2;
  }
  await place.write(next);
  const keys = SigningKeys.parse(serializeKeySet(next));
  // Public facts only: the key ids, never the seeds.
  console.log(`${command}: ${place.name} now signs with ${keys.activeKeyId}`);
  process.stdout.write(`${JSON.stringify(keys.document(now), null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`keys: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
