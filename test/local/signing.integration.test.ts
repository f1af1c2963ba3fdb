import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { TrustedKeys } from "../../shared/signing/trust.js";
import { type LocalServer, startLocal } from "../support/local-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "local-signing-token-0123456789";

const start = (dataDir: string) =>
  startLocal({ HOST: "127.0.0.1", MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: TOKEN });

const keysCli = (args: string[]) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", "local/keys-cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, MUSTER_SIGNING_GRACE: "" },
  });

describe("signing in local mode", () => {
  let dir: string | undefined;
  let running: LocalServer | undefined;
  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      const exited = new Promise((r) => running?.child.once("exit", r));
      running.child.kill("SIGTERM");
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("makes an owner-only key set on first start, signs reads, and picks up a rotation", async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-signing-"));
    running = await start(dir);
    const path = join(dir, "signing-keys.json");
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const keys = async () =>
      (await (await fetch(`${running?.url}/.well-known/muster-keys.json`)).json()) as {
        keys: { kid: string; status: string }[];
      };
    const first = await keys();
    expect(first.keys.map((k) => k.status)).toEqual(["active"]);

    await fetch(`${running.url}/v1/services/s/heartbeats`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id: "n1", address: "10.0.0.1:1" }),
    });
    const peers = await fetch(`${running.url}/v1/services/s/peers.txt`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const trusted = TrustedKeys.fromDocuments([JSON.stringify(first)]);
    const body = Buffer.from(await peers.arrayBuffer());
    expect(trusted.check(body, peers.headers.get("muster-signature"), Date.now())).toBeUndefined();

    const rotated = await keysCli(["rotate", "--data-dir", dir, "--grace", "1h"]);
    expect(rotated.stdout).toMatch(/rotate: .* now signs with /);
    const stored = await readFile(path, "utf8");
    // What the CLI prints is public: no seed of the set appears in it.
    for (const { seed } of JSON.parse(stored).keys as { seed: string }[]) {
      expect(rotated.stdout).not.toContain(seed);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    // The registry re-reads the file every five seconds.
    const deadline = Date.now() + 10_000;
    let after = await keys();
    while (after.keys.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await keys();
    }
    expect(after.keys.map((k) => [k.kid === first.keys[0]?.kid, k.status])).toEqual([
      [true, "retired"],
      [false, "active"],
    ]);
    const shown = await keysCli(["show", "--data-dir", dir]);
    expect(JSON.parse(shown.stdout)).toEqual(after);
  });
});
