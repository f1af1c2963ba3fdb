import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { blixardBootstrapUrl } from "../support/blixard-shapes.js";
import { irohHexId, irohNodeId } from "../support/iroh-keys.js";
import { startLocal as start, stopLocal as stop } from "../support/local-server.js";
import { selfSigned } from "../support/tls.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** One CLI run (`npm run token -- …` is `tsx local/token-cli.ts …`). */
function cli(
  script: "token" | "presign",
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", `local/${script}-cli.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, MUSTER_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("the admin CLIs against a running local registry", () => {
  let dataDir = "";
  let server: ChildProcess | undefined;
  const dirs: string[] = [];
  const servers: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of servers) if (child.exitCode === null) child.kill("SIGKILL");
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    if (server && server.exitCode === null) {
      await new Promise((done) => {
        server?.once("exit", done);
        server?.kill("SIGTERM");
      });
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("creates, lists and revokes a scoped token, and mints a presigned URL", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "muster-cli-"));
    const running = await start({ MUSTER_DATA_DIR: dataDir, MUSTER_TOKENS: "" });
    server = running.child;
    const env = { MUSTER_REGISTRY: running.url, MUSTER_DATA_DIR: dataDir };
    expect((await stat(join(dataDir, "presign-keys.json"))).mode & 0o777).toBe(0o600);

    const made = await cli(
      "token",
      ["create", "--name", "a fleet", "--role", "register", "--service", "a", "--expires", "30d"],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^mst_[A-Za-z0-9_-]{43}$/);
    const id = /made token ([0-9a-f]{16})/.exec(made.stderr)?.[1] as string;
    expect(made.stderr).toContain("register on a, expires ");

    const beat = (service: string) =>
      fetch(`${running.url}/v1/services/${service}/heartbeats`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          id: "n1",
          address: "127.0.0.1:7001",
          ttl: 3600,
          cluster_node_id: 1,
          iroh_node_id: irohNodeId(1),
        }),
      });
    expect((await beat("a")).status).toBe(201);
    expect((await beat("b")).status).toBe(403);

    const listed = await cli("token", ["list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\tregister\\t"a fleet"\\ta\\t`));
    expect(listed.stdout).not.toContain(token);

    const signed = await cli(
      "presign",
      ["--service", "a", "--file", "registry.json", "--id", "n1", "--ttl", "1h"],
      env,
    );
    expect(signed.code, signed.stderr).toBe(0);
    const url = signed.stdout.trim();
    expect(url.startsWith(`${running.url}/v1/services/a/instances/n1/registry.json?expires=`)).toBe(
      true,
    );
    const joined = await fetch(url);
    expect(joined.status).toBe(200);
    expect(((await joined.json()) as { address: string }).address).toBe("127.0.0.1:7001");

    // A join URL for `blixard node --join-address`: the credential in the path.
    const bootstrap = await cli("presign", ["--service", "a", "--file", "bootstrap"], env);
    expect(bootstrap.code, bootstrap.stderr).toBe(0);
    const joinUrl = bootstrap.stdout.trim();
    expect(joinUrl).toMatch(
      new RegExp(`^${running.url}/v1/services/a/join/\\d+\\.[\\w-]+\\.[\\w-]{43}$`),
    );
    const info = await fetch(blixardBootstrapUrl(joinUrl));
    expect(info.status).toBe(200);
    expect(((await info.json()) as { p2p_node_id: string }).p2p_node_id).toBe(irohHexId(1));

    const revoked = await cli("token", ["revoke", id], env);
    expect(revoked.code).toBe(0);
    expect((await beat("a")).status).toBe(401);
    const again = await cli("token", ["revoke", id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`404 not_found: no token ${id}`);

    const bad = await cli(
      "token",
      ["create", "--name", "x", "--role", "owner", "--service", "a"],
      env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("role:");
    const usage = await cli("token", ["create", "--role", "read"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("create needs --name and --role");
    const noToken = await cli("token", ["list"], {
      ...env,
      MUSTER_DATA_DIR: join(dataDir, "none"),
    });
    expect(noToken.code).toBe(2);
    // The admin token never appears in any output.
    const admin = (await readFile(join(dataDir, "token"), "utf8")).trim();
    for (const out of [made, listed, signed, revoked, again, bad]) {
      expect(out.stdout + out.stderr).not.toContain(admin);
    }
  }, 60_000);

  it("says why it could not reach the registry: a certificate (and how to trust it), refused, DNS", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-cli-tls-"));
    dirs.push(dir);
    const { cert, key } = await selfSigned(dir);
    const running = await start({
      MUSTER_DATA_DIR: join(dir, "data"),
      MUSTER_TOKENS: "",
      MUSTER_TLS_CERT: cert,
      MUSTER_TLS_KEY: key,
    });
    servers.push(running.child);
    const env = { MUSTER_REGISTRY: running.url, MUSTER_DATA_DIR: join(dir, "data") };
    const args = ["--service", "a", "--file", "peers.txt"];
    const untrusted = await cli("presign", args, { ...env, NODE_EXTRA_CA_CERTS: "" });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr.trim()).toBe(
      `presign: cannot reach ${running.url}: the certificate of ${new URL(running.url).host} is not trusted here (self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT): give Node the CA that signed it (for a self-signed certificate, the certificate itself) in PEM: NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or NODE_OPTIONS=--use-system-ca if the system trusts it`,
    );
    // What the message says to do works.
    const trusted = await cli("presign", args, { ...env, NODE_EXTRA_CA_CERTS: cert });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\/services\/a\/peers\.txt\?/);

    await stop(running);
    const refused = await cli("presign", args, { ...env, NODE_EXTRA_CA_CERTS: cert });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `presign: cannot reach ${running.url}: connection refused (ECONNREFUSED): nothing listens on ${new URL(running.url).host}; is the registry running, and is the URL right?`,
    );
    const unnamed = await cli("token", ["list"], {
      ...env,
      MUSTER_REGISTRY: "http://muster.invalid:8787",
    });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(
      /^token: cannot reach http:\/\/muster\.invalid:8787: the name muster\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\): check the URL, or the machine's DNS$/m,
    );
  }, 60_000);
});
