import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_REFUSED } from "../../local/exit-status.js";
import { ROOT } from "../support/local-server.js";

const exec = promisify(execFile);

/**
 * `systemd-analyze verify` on a unit, with what it says (it exits 0 on unknown keys and bad
 * values, and only says so). `paths` rewrites where the unit expects the project installed
 * to where it is here, so that the check that ExecStart's program exists means something.
 */
async function verify(unit: string, dir: string, paths: [string, string][] = []) {
  let text = await readFile(join(ROOT, unit), "utf8");
  for (const [from, to] of paths) text = text.replaceAll(from, to);
  const copy = join(dir, basename(unit));
  await writeFile(copy, text);
  try {
    const { stdout, stderr } = await exec("systemd-analyze", ["verify", "--man=no", copy]);
    return { code: 0, said: `${stdout}${stderr}`.trim(), text };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, said: `${e.stdout}${e.stderr}`.trim(), text };
  }
}

describe("the example systemd units", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("examples/muster.service passes systemd-analyze verify, installed as it says", async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-units-"));
    const { code, said, text } = await verify("examples/muster.service", dir, [
      ["/opt/muster", ROOT.replace(/\/$/, "")],
    ]);
    expect({ code, said }).toEqual({ code: 0, said: "" });
    // A crash is restarted; a refusal at start (its own exit status) is not.
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toContain(`RestartPreventExitStatus=${EXIT_REFUSED}\n`);
    expect(text).not.toMatch(/RestartPreventExitStatus=.*\b1\b/);
    // A fresh host: no user to make, the data folder made by systemd, where the token is said.
    expect(text).toMatch(/^DynamicUser=yes$/m);
    expect(text).toMatch(/^StateDirectory=muster$/m);
    expect(text).toContain("--data-dir /var/lib/muster");
    expect(text).toContain("cat /var/lib/muster/token");
  });

  it.each(["agent/examples/muster-agent.service", "agent/examples/muster-bootstrap.service"])(
    "%s passes systemd-analyze verify",
    async (unit) => {
      dir ||= await mkdtemp(join(tmpdir(), "muster-units-"));
      const { code, said } = await verify(unit, dir);
      expect({ code, said }).toEqual({ code: 0, said: "" });
    },
  );
});
