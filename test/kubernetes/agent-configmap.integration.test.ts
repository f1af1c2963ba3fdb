import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAll } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeConfigMap } from "../../agent/kube/configmap-writer.js";
import { kubeRequest } from "../../agent/kube/kube-http.js";
import { findKubeTarget } from "../../agent/kube/kubeconfig.js";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import { stellarFiles, toStellarPeers } from "../../shared/formats/stellar.js";
import { KubeForbiddenError } from "../../shared/kube/api-error.js";
import { buildAgent, removeAgent, spawnAgent, words } from "../agent/support.js";
import { instance } from "../support/instances.js";
import { startLocal, stopLocal } from "../support/local-server.js";
import {
  type AdminApis,
  adminApis,
  applyStrict,
  createNamespace,
  createService,
  podEndpoint,
  requests,
  START_TIMEOUT_MS,
  serviceAccountToken,
  setEndpoints,
  sliceBody,
  tokenKubeconfig,
} from "./cluster.js";

let api: KubeApiServer;
let apis: AdminApis;
let dir: string;
const NAMESPACE = "stellar";

beforeAll(async () => {
  api = await startKubeApiServer({ users: ["sidecar", "reader"] });
  apis = adminApis(api);
  dir = await mkdtemp(join(tmpdir(), "muster-kube-agent-"));
  await createNamespace(apis, NAMESPACE);
  // What examples/k8s grants the Stellar validator's ServiceAccount, applied as written.
  const example = await readFile(
    new URL("../../examples/k8s/stellar-configmap-rbac.yaml", import.meta.url),
    "utf8",
  );
  await applyStrict(api, loadAll(example));
  // What examples/k8s grants the agent: its ConfigMap, nothing else.
  const grant = async (user: string, verbs: string[]) => {
    const name = `configmap-${user}`;
    await apis.rbac.createNamespacedRole({
      namespace: NAMESPACE,
      body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs }] },
    });
    await apis.rbac.createNamespacedRoleBinding({
      namespace: NAMESPACE,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }],
      },
    });
  };
  await grant("sidecar", ["get", "create", "update"]);
  await grant("reader", ["get"]);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const peersData = (ips: string[]) => {
  const files = stellarFiles(
    toStellarPeers(
      ips.map((ip, n) =>
        instance({ service: "stellar", id: `validator-${n}`, address: `${ip}:11625` }),
      ),
    ),
  );
  return {
    "peers.json": files["peers.json"],
    "peers.txt": files["peers.txt"],
    peer_count: files.peer_count,
  };
};

const readBack = (name: string) =>
  apis.core.readNamespacedConfigMap({ namespace: NAMESPACE, name });

async function sidecarTarget() {
  const path = await api.writeKubeconfig("sidecar");
  return findKubeTarget({ env: { KUBECONFIG: path }, serviceAccountDir: "/nonexistent/sa" });
}

describe("the agent's ConfigMap writer against kube-apiserver", () => {
  it("creates the Stellar ConfigMap, leaves it alone when unchanged, updates it when changed", async () => {
    const target = await sidecarTarget();
    const ref = { namespace: NAMESPACE, name: "core-peers" };
    const first = peersData(["10.0.0.1", "10.0.0.2"]);
    expect(await writeConfigMap(target, ref, first)).toBe("created");
    const created = await readBack("core-peers");
    expect(created.data).toEqual(first);
    expect(created.data?.peer_count).toBe("2");
    expect(created.metadata?.labels).toEqual({ "app.kubernetes.io/managed-by": "muster-agent" });

    expect(await writeConfigMap(target, ref, first)).toBe("unchanged");
    expect((await readBack("core-peers")).metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );

    // Someone else's key is kept.
    await apis.core.replaceNamespacedConfigMap({
      namespace: NAMESPACE,
      name: "core-peers",
      body: { ...created, data: { ...created.data, "operator-note": "keep me" } },
    });
    const second = peersData(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    expect(await writeConfigMap(target, ref, second)).toBe("updated");
    expect((await readBack("core-peers")).data).toEqual({ ...second, "operator-note": "keep me" });
  });

  it("reads again and retries when the ConfigMap changed between its read and its write", async () => {
    const target = await sidecarTarget();
    const ref = { namespace: NAMESPACE, name: "raced" };
    await writeConfigMap(target, ref, peersData(["10.0.0.1"]));
    let puts = 0;
    const outcome = await writeConfigMap(target, ref, peersData(["10.0.0.9"]), {
      send: async (t, method, path, body) => {
        if (method === "PUT" && ++puts === 1) {
          // Another writer gets in first: our PUT carries a stale resourceVersion.
          const current = await readBack("raced");
          await apis.core.replaceNamespacedConfigMap({
            namespace: NAMESPACE,
            name: "raced",
            body: { ...current, data: { ...current.data, other: "writer" } },
          });
        }
        return kubeRequest(t, method, path, body);
      },
    });
    expect(outcome).toBe("updated");
    expect(puts).toBe(2);
    expect((await readBack("raced")).data).toEqual({ ...peersData(["10.0.0.9"]), other: "writer" });
  });

  it("works with a Pod's service account, and names the verb RBAC forbids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "muster-sa-"));
    try {
      await writeFile(join(dir, "token"), api.userTokens.reader as string);
      await writeFile(join(dir, "ca.crt"), api.caPem);
      await writeFile(join(dir, "namespace"), NAMESPACE);
      const target = findKubeTarget({
        env: {
          KUBERNETES_SERVICE_HOST: "127.0.0.1",
          KUBERNETES_SERVICE_PORT: new URL(api.server).port,
        },
        serviceAccountDir: dir,
      });
      expect(target.namespace).toBe(NAMESPACE);
      const err = await writeConfigMap(
        target,
        { namespace: NAMESPACE, name: "core-peers" },
        peersData(["10.9.9.9"]),
      ).catch((e) => e);
      expect(err).toBeInstanceOf(KubeForbiddenError);
      expect(err.message).toMatch(
        /^Kubernetes RBAC forbids update on configmaps "core-peers" in namespace "stellar"; grant the verb "update" on "configmaps"/,
      );
      const missing = await writeConfigMap(
        target,
        { namespace: NAMESPACE, name: "not-there" },
        peersData(["10.9.9.9"]),
      ).catch((e) => e);
      expect(missing).toBeInstanceOf(KubeForbiddenError);
      expect(missing.message).toMatch(/^Kubernetes RBAC forbids create on configmaps "not-there"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A service-account mount as the kubelet makes it: a fresh token, the CA, the namespace. */
async function mountFor(namespace: string, name: string): Promise<string> {
  const mount = await mkdtemp(join(dir, "sa-"));
  await writeFile(join(mount, "token"), await serviceAccountToken(apis, namespace, name));
  await writeFile(join(mount, "ca.crt"), api.caPem);
  await writeFile(join(mount, "namespace"), namespace);
  return mount;
}

describe("examples/k8s/stellar-configmap-rbac.yaml", () => {
  it("lets the validator write stellar-peers, and no other ConfigMap", async () => {
    const target = findKubeTarget({
      env: {
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: new URL(api.server).port,
      },
      serviceAccountDir: await mountFor(NAMESPACE, "stellar-validator"),
    });
    const ref = { namespace: NAMESPACE, name: "stellar-peers" };
    expect(await writeConfigMap(target, ref, { peer_count: "0" })).toBe("created");
    expect(await writeConfigMap(target, ref, { peer_count: "1" })).toBe("updated");
    expect((await readBack("stellar-peers")).data).toEqual({ peer_count: "1" });
    await apis.core.deleteNamespacedConfigMap(ref);

    const other = await writeConfigMap(target, { namespace: NAMESPACE, name: "other" }, {}).catch(
      (e) => e,
    );
    expect(other).toBeInstanceOf(KubeForbiddenError);
    expect(other.message).toMatch(
      /^Kubernetes RBAC forbids get on configmaps "other" in namespace "stellar"/,
    );
  });
});

describe("muster-agent watch --format stellar --configmap, as a process", () => {
  let bundle: string | undefined;
  beforeAll(async () => {
    bundle = await buildAgent();
  });
  afterAll(async () => {
    await removeAgent(bundle);
  });

  it("keeps the Stellar ConfigMap as the registry following the cluster serves it", async () => {
    const token = "kube-agent-test-token-0123456789";
    const validators = (notReady: string[] = []) =>
      ["10.5.0.1", "10.5.0.2", "10.5.0.3"].map((ip, n) =>
        podEndpoint(
          NAMESPACE,
          `core-${n}`,
          ip,
          notReady.includes(`core-${n}`)
            ? { ready: false, serving: true, terminating: false }
            : undefined,
        ),
      );
    await createService(apis, NAMESPACE, "core");
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: NAMESPACE,
      body: sliceBody("core-1", "core", validators(), [{ name: "peer", port: 11625 }]),
    });
    // The registry follows the validators' EndpointSlices: Pods in, Stellar's files out.
    const server = await startLocal({
      MUSTER_K8S_DISCOVERY: "true",
      MUSTER_K8S_NAMESPACE: NAMESPACE,
      MUSTER_RECONCILE_INTERVAL: "3600",
      MUSTER_TOKENS: token,
      MUSTER_DATA_DIR: join(dir, "registry"),
      KUBECONFIG: api.kubeconfig,
    });
    // The sidecar runs as the validator's ServiceAccount, with the example's RBAC only.
    const sidecarConfig = await tokenKubeconfig(
      api,
      dir,
      "stellar-validator",
      await serviceAccountToken(apis, NAMESPACE, "stellar-validator"),
    );
    const runs = join(dir, "runs");
    const args = [
      ...words(`watch --registry ${server.url} --service core --format stellar`),
      ...words(`--configmap ${NAMESPACE}/stellar-peers --debounce 0.1`),
      "--on-change",
      `echo run >> ${runs}`,
    ];
    const env = { MUSTER_TOKEN: token, KUBECONFIG: sidecarConfig };
    let agent = spawnAgent(bundle as string, args, env);
    const served = async (name: string) =>
      (
        await fetch(`${server.url}/v1/services/core/stellar/${name}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).text();
    const stored = async () =>
      (await apis.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: "stellar-peers" }))
        .data;
    const runCount = async () =>
      (await readFile(runs, "utf8").catch(() => "")).split("\n").filter((l) => l).length;
    const WAIT = { timeout: 15_000, interval: 100 };
    try {
      await vi.waitFor(async () => expect((await stored())?.peer_count).toBe("3"), WAIT);
      const first = await stored();
      expect(first).toEqual({
        "peers.json": await served("peers.json"),
        "peers.txt": await served("peers.txt"),
        peer_count: "3",
      });
      expect(first?.["peers.txt"]).toBe("10.5.0.1:11625\n10.5.0.2:11625\n10.5.0.3:11625");
      expect(JSON.parse(first?.["peers.json"] as string)[0]).toEqual({
        ip: "10.5.0.1",
        name: "stellar.core-0",
        namespace: "stellar",
        nodeType: "Validator",
        peerString: "10.5.0.1:11625",
        port: 11625,
      });
      await vi.waitFor(async () => expect(await runCount()).toBe(1), WAIT);

      // A validator not ready: it leaves the peers, the ConfigMap follows, the reload runs.
      await setEndpoints(apis, NAMESPACE, "core-1", validators(["core-1"]));
      await vi.waitFor(async () => expect((await stored())?.peer_count).toBe("2"), WAIT);
      expect((await stored())?.["peers.txt"]).toBe("10.5.0.1:11625\n10.5.0.3:11625");
      await vi.waitFor(async () => expect(await runCount()).toBe(2), WAIT);

      // A new agent finds the ConfigMap as it would write it: it reads it and writes nothing.
      expect(await agent.stop()).toBe(0);
      const { resourceVersion } =
        (await apis.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: "stellar-peers" }))
          .metadata ?? {};
      const reads = await requests(api, "configmaps", "GET", 200);
      agent = spawnAgent(bundle as string, args, env);
      await vi.waitFor(
        async () => expect(await requests(api, "configmaps", "GET", 200)).toBeGreaterThan(reads),
        WAIT,
      );
      const after = await apis.core.readNamespacedConfigMap({
        namespace: NAMESPACE,
        name: "stellar-peers",
      });
      expect(after.metadata?.resourceVersion).toBe(resourceVersion);
      expect(await runCount()).toBe(2);
      expect(agent.output()).not.toContain("wrote");
    } finally {
      await agent.stop();
      expect(await stopLocal(server)).toBe(0);
    }
  });
});
