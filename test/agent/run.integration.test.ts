import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohHexId, irohNodeId } from "../support/iroh-keys.js";
import { startImdsDouble } from "./imds-double.js";
import {
  type AgentProcess,
  buildAgent,
  type RunningRegistry,
  removeAgent,
  spawnAgent,
  startRegistry,
  TOKEN,
  waitFor,
  words,
} from "./support.js";

/** How long things took, printed at the end for the record (the assertions use bounds). */
const measured: Record<string, number> = {};

describe("muster-agent run, as a process against the real registry", () => {
  let bundle: string;
  let registry: RunningRegistry;
  let dir: string;
  const agents: AgentProcess[] = [];
  const servers: Array<{ close(cb: () => void): void; closeAllConnections?: () => void }> = [];

  const run = (args: string[], env: Record<string, string> = {}) => {
    const agent = spawnAgent(bundle, ["run", "--registry", registry.url, ...args], env);
    agents.push(agent);
    return agent;
  };
  const find = async (service: string, id: string, query = "") =>
    (await registry.instances(service, query)).find((i) => i.id === id);

  beforeAll(async () => {
    [bundle, registry, dir] = await Promise.all([
      buildAgent(),
      startRegistry(),
      mkdtemp(join(tmpdir(), "muster-run-")),
    ]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop("SIGKILL")));
    for (const s of servers) {
      s.closeAllConnections?.();
      await new Promise<void>((r) => s.close(() => r()));
    }
    await registry?.close();
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
    console.info("agent measurements (ms):", measured);
  });

  it("registers on boot, and SIGTERM deregisters it within a second", async () => {
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const started = Date.now();
    const agent = run(
      words(`
        --service web --id node-1 --address 10.0.0.1:8080 --token-file ${tokenFile} --tags api,v1
        --meta region=eu-west-1 --meta rack=r1 --weight 5 --cluster-node-id 1
        --iroh-node-id ${irohHexId(1)}
        --instance-version 1.2.3
      `),
      { MUSTER_TOKEN: "" },
    );
    const instance = await waitFor("node-1 registered", () => find("web", "node-1"));
    measured.bootToRegistered = Date.now() - started;
    expect(instance).toMatchObject({
      address: "10.0.0.1:8080",
      tags: ["api", "v1"],
      metadata: { region: "eu-west-1", rack: "r1" },
      weight: 5,
      cluster_node_id: 1,
      // Given in hex, as iroh prints it; registered in the base64 Blixard's files carry.
      iroh_node_id: irohNodeId(1),
      version: "1.2.3",
      status: "passing",
      source: "heartbeat",
    });

    const signalled = Date.now();
    agent.child.kill("SIGTERM");
    await waitFor("node-1 gone", async () => (await find("web", "node-1")) === undefined, {
      timeoutMs: 5000,
      intervalMs: 5,
    });
    measured.sigtermToGone = Date.now() - signalled;
    expect(measured.sigtermToGone).toBeLessThan(1000);
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain("deregistered web/node-1");
  });

  it("reports a failing HTTP check as critical at once, out of ?status=passing, and recovers", async () => {
    let status = 200;
    const app: Server = createServer((_req, res) => res.writeHead(status).end());
    servers.push(app);
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    const health = `http://127.0.0.1:${(app.address() as AddressInfo).port}/health`;
    const agent = run(
      words(`
        --service api --id a1 --address 127.0.0.1:9001 --ttl 30 --check-http ${health}
        --check-interval 0.2
      `),
    );
    await waitFor("a1 passing", () => find("api", "a1", "?status=passing"));

    status = 500;
    const failed = Date.now();
    const critical = await waitFor("a1 critical", async () => {
      const i = await find("api", "a1");
      return i?.status === "critical" ? i : undefined;
    });
    // The heartbeat interval is 10 s: seeing it this soon means the change was sent at once.
    measured.checkFailToCritical = Date.now() - failed;
    expect(measured.checkFailToCritical).toBeLessThan(3000);
    expect(critical.status).toBe("critical");
    expect(await find("api", "a1", "?status=passing")).toBeUndefined();
    // peers.txt, which joining nodes read, leaves critical instances out too.
    expect(await (await registry.get("/v1/services/api/peers.txt")).text()).toBe("");

    status = 429;
    await waitFor("a1 warning", async () => (await find("api", "a1"))?.status === "warning");
    status = 200;
    await waitFor("a1 passing again", () => find("api", "a1", "?status=passing"));

    // Ctrl-C does what SIGTERM does.
    expect(await agent.stop("SIGINT")).toBe(0);
    expect(await find("api", "a1")).toBeUndefined();
    expect(agent.output()).toMatch(/health check: passing -> critical \(HTTP 500/);
  });

  it("follows a TCP check and an exec check through passing, warning and critical", async () => {
    const listener = createTcpServer((s) => s.end());
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const tcpAddress = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const codeFile = join(dir, "check-exit-code");
    await writeFile(codeFile, "0");
    const tcp = run(
      words(`
        --service db --id tcp-1 --address ${tcpAddress} --ttl 30 --check-tcp ${tcpAddress}
        --check-interval 0.2
      `),
    );
    const exec = run([
      ...words("--service db --id exec-1 --address 127.0.0.1:9002 --ttl 30 --check-interval 0.2"),
      "--check-exec",
      `exit "$(cat '${codeFile}')"`,
    ]);
    const statusOf = async (id: string) => (await find("db", id))?.status;
    await waitFor(
      "both passing",
      async () =>
        (await statusOf("tcp-1")) === "passing" && (await statusOf("exec-1")) === "passing",
    );

    await new Promise((r) => listener.close(r));
    await waitFor("tcp critical", async () => (await statusOf("tcp-1")) === "critical");
    await writeFile(codeFile, "1");
    await waitFor("exec warning", async () => (await statusOf("exec-1")) === "warning");
    await writeFile(codeFile, "2");
    await waitFor("exec critical", async () => (await statusOf("exec-1")) === "critical");
    expect(await registry.instances("db", "?status=passing")).toEqual([]);
    await writeFile(codeFile, "0");
    await waitFor("exec passing", async () => (await statusOf("exec-1")) === "passing");

    expect(await tcp.stop()).toBe(0);
    expect(await exec.stop()).toBe(0);
  });

  it("fills id, address and metadata.ec2_instance_id from instance metadata (IMDSv2)", async () => {
    const imds = await startImdsDouble({
      instanceId: "i-0123456789abcdef0",
      localIpv4: "10.20.30.40",
    });
    try {
      const agent = run(
        words(`
          --service ec2svc --ec2 --imds-endpoint ${imds.endpoint} --port 7001 --meta role=worker
        `),
      );
      const instance = await waitFor("EC2 instance registered", () =>
        find("ec2svc", "i-0123456789abcdef0"),
      );
      expect(instance).toMatchObject({
        address: "10.20.30.40:7001",
        metadata: { role: "worker", ec2_instance_id: "i-0123456789abcdef0" },
      });
      expect(imds.requests).toContain("PUT /latest/api/token");
      expect(await agent.stop()).toBe(0);
    } finally {
      await imds.close();
    }
  });

  it("refuses bad flags with the registry's own words, before sending anything", async () => {
    const body = { id: "bad id", address: "10.0.0.1", ttl: 2 };
    const server = (await (await registry.heartbeat("web", body)).json()) as {
      error: { issues: Array<{ path: string; message: string }> };
    };
    const agent = run([
      "--service",
      "web",
      "--id",
      body.id,
      "--address",
      body.address,
      "--ttl",
      String(body.ttl),
    ]);
    expect(await agent.exited).toBe(2);
    for (const issue of server.error.issues) {
      const flag = { id: "--id", address: "--address", ttl: "--ttl" }[issue.path];
      expect(agent.output()).toContain(`${flag}: ${issue.message}`);
    }
    const noToken = run(["--service", "web", "--id", "x", "--address", "10.0.0.1:1"], {
      MUSTER_TOKEN: "",
    });
    expect(await noToken.exited).toBe(2);
    expect(noToken.output()).toContain("no token");
  });

  it("keeps an id another token owns out of reach, retrying rather than exiting", async () => {
    const { OTHER_TOKEN } = await import("./support.js");
    expect(
      (await registry.heartbeat("owned", { id: "o1", address: "10.0.0.9:1", ttl: 60 }, OTHER_TOKEN))
        .status,
    ).toBe(201);
    const agent = run(["--service", "owned", "--id", "o1", "--address", "10.0.0.1:1"]);
    await waitFor("a 409 in the log", () => /registered by another token/.test(agent.output()));
    expect(agent.child.exitCode).toBeNull();
    expect((await find("owned", "o1"))?.address).toBe("10.0.0.9:1");
    expect(await agent.stop()).toBe(0);
  });
});
