import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type RunningRegistry, startRegistry, TOKEN, waitFor } from "./support.js";

/**
 * The README's recipe for nodes without Node.js, run as it is written. curl comes from the
 * integration set-up (scripts/apt-tools.mjs); a missing curl fails the test, never skips it.
 */
describe("the curl-only heartbeat recipe", () => {
  let registry: RunningRegistry;
  let dir: string;
  beforeAll(async () => {
    [registry, dir] = await Promise.all([startRegistry(), mkdtemp(join(tmpdir(), "muster-curl-"))]);
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("registers, reports a failing check as critical, and deregisters on SIGTERM", async () => {
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const child = spawn("bash", [join(ROOT, "agent/examples/curl-heartbeat.sh")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        MUSTER_REGISTRY: registry.url,
        MUSTER_TOKEN_FILE: tokenFile,
        SERVICE: "legacy",
        ID: "box-1",
        ADDRESS: "10.0.0.7:7001",
        TTL: "5",
        // Nothing listens on port 9 (discard): the check fails, so the node reports critical.
        CHECK_URL: "http://127.0.0.1:9/health",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const instance = await waitFor("box-1 registered", async () =>
        (await registry.instances("legacy")).find((i) => i.id === "box-1"),
      );
      expect(instance).toMatchObject({ address: "10.0.0.7:7001", status: "critical" });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await registry.instances("legacy")).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
