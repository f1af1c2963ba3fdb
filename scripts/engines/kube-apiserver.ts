import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeApiserverDir } from "../tool-cache.mjs";
import { freePort, startChildEngine } from "./child-engine.js";
import type { RunningEngine } from "./running-engine.js";

const BINARY = join(kubeApiserverDir(), "kube-apiserver");
/** `/readyz` answers in ~20 s on a quiet 2-core machine; a loaded one takes longer. */
const READY_TIMEOUT_MS = 120_000;

/** A kube-apiserver over its own etcd, for one test file. */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** The serving certificate's CA, PEM. */
  caPem: string;
  /** The same, base64 as a kubeconfig's `certificate-authority-data`. */
  caData: string;
  /** etcd's client URL (its v3 JSON gateway answers there too). */
  etcd: string;
  /** A member of `system:masters`: may do anything. */
  adminToken: string;
  /** One bearer token per user named in the options; these users have no role until a test grants one. */
  userTokens: Record<string, string>;
  /** A kubeconfig file for the admin (current context set). */
  kubeconfig: string;
  /** Writes a kubeconfig file for `user` (a name from `userTokens`, or "admin"). */
  writeKubeconfig(user: string): Promise<string>;
  /** Stops kube-apiserver and starts it again on the same port over the same etcd. */
  restart(): Promise<void>;
  /** Stops both processes and removes their folder. */
  stop(): Promise<void>;
}

export interface KubeApiServerOptions {
  /** Users to make a token for, besides the admin; default ["limited"]. */
  users?: string[];
  /** More kube-apiserver flags (`--watch-cache=false`). */
  extraArgs?: string[];
}

/** GET over HTTPS trusting `ca`: fetch cannot take a CA per request without undici's own Agent. */
function httpsGet(
  url: string,
  ca: string,
  token: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** A CA and a serving certificate for 127.0.0.1 and localhost, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, "ca.crt");
  const caKey = join(dir, "ca.key");
  const key = join(dir, "apiserver.key");
  const csr = join(dir, "apiserver.csr");
  const cert = join(dir, "apiserver.crt");
  const ext = join(dir, "apiserver.ext");
  // The fixed words of each command, then its paths (which may hold anything).
  const openssl = (words: string, ...paths: string[]) =>
    execFileSync("openssl", [...words.split(" "), ...paths], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  const days = "-days 2";
  openssl(
    `req -x509 -newkey rsa:2048 -nodes ${days} -subj /CN=muster-test-ca -keyout`,
    caKey,
    "-out",
    ca,
  );
  openssl("req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout", key, "-out", csr);
  writeFileSync(
    ext,
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    `x509 -req ${days} -CAcreateserial -in`,
    csr,
    "-CA",
    ca,
    "-CAkey",
    caKey,
    "-out",
    cert,
    "-extfile",
    ext,
  );
  return { ca, cert, key };
}

function kubeconfigText(server: string, caData: string, user: string, token: string): string {
  // JSON is YAML: every kubeconfig reader takes it.
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority-data": caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: `${user}@test`, context: { cluster: "test", user } }],
    "current-context": `${user}@test`,
  });
}

async function startEtcd(dataDir: string): Promise<RunningEngine> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return startChildEngine({
    name: "etcd",
    command: "etcd",
    args: [
      "--name=muster-test",
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=muster-test=${peer}`,
      "--logger=zap",
      "--log-level=error",
    ],
    endpoint,
    probe: async () => {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { health?: string };
      if (body.health !== "true") throw new Error("etcd not healthy yet");
    },
  });
}

/**
 * Starts etcd (Debian's etcd-server) and kube-apiserver (built by
 * `node scripts/kube-apiserver.mjs build`) on free loopback ports, each in its own process group,
 * and waits for `/readyz`. Authentication is by bearer tokens from a token file, authorisation
 * is RBAC, so a test can grant a user exactly the verbs it means to test.
 */
export async function startKubeApiServer(
  options: KubeApiServerOptions = {},
): Promise<KubeApiServer> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `kube-apiserver is not built in ${BINARY}; run: node scripts/kube-apiserver.mjs build`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "muster-kube-"));
  let etcd: RunningEngine | undefined;
  let apiserver: RunningEngine | undefined;
  try {
    const certs = makeCertificates(dir);
    const caPem = await readFile(certs.ca, "utf8");
    const caData = Buffer.from(caPem).toString("base64");

    // The service-account token signer: kube-apiserver refuses to start without one.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const saKey = join(dir, "service-account.key");
    await writeFile(saKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });

    const token = () => randomBytes(24).toString("hex");
    const adminToken = token();
    const userTokens = Object.fromEntries((options.users ?? ["limited"]).map((u) => [u, token()]));
    const tokenFile = join(dir, "tokens.csv");
    await writeFile(
      tokenFile,
      [
        `${adminToken},admin,admin,"system:masters"`,
        ...Object.entries(userTokens).map(([user, t]) => `${t},${user},${user}`),
        "",
      ].join("\n"),
      { mode: 0o600 },
    );

    etcd = await startEtcd(join(dir, "etcd"));
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    await mkdir(join(dir, "cert-dir"));
    const args = [
      `--etcd-servers=${etcd.endpoint}`,
      `--secure-port=${port}`,
      "--bind-address=127.0.0.1",
      `--tls-cert-file=${certs.cert}`,
      `--tls-private-key-file=${certs.key}`,
      `--cert-dir=${join(dir, "cert-dir")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokenFile}`,
      "--authorization-mode=RBAC",
      // The endpoint reconciler would publish the advertise address as the `kubernetes`
      // Service's endpoints, and a loopback one is refused; nothing here needs it.
      "--endpoint-reconciler-type=none",
      // A range for Service ClusterIPs: allocated in etcd only, never routed to.
      "--service-cluster-ip-range=10.96.0.0/16",
      // Less work on a shared 2-core machine; neither is what the tests exercise.
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      ...(options.extraArgs ?? []),
    ];
    const start = () =>
      startChildEngine({
        name: "kube-apiserver",
        command: BINARY,
        args,
        endpoint: server,
        startTimeoutMs: READY_TIMEOUT_MS,
        probe: async () => {
          const res = await httpsGet(`${server}/readyz`, caPem, adminToken);
          if (res.status !== 200) throw new Error(`readyz ${res.status}`);
        },
      });
    apiserver = await start();

    const kubeconfigs = join(dir, "kubeconfigs");
    await mkdir(kubeconfigs, { mode: 0o700 });
    const writeKubeconfig = async (user: string) => {
      const t = user === "admin" ? adminToken : userTokens[user];
      if (t === undefined) throw new Error(`no token for user ${user}`);
      const path = join(kubeconfigs, `${user}.yaml`);
      await writeFile(path, kubeconfigText(server, caData, user, t), { mode: 0o600 });
      return path;
    };
    const kubeconfig = await writeKubeconfig("admin");

    const running = { etcd, apiserver: apiserver as RunningEngine | undefined };
    return {
      server,
      etcd: etcd.endpoint,
      caPem,
      caData,
      adminToken,
      userTokens,
      kubeconfig,
      writeKubeconfig,
      async restart() {
        await running.apiserver?.stop();
        running.apiserver = undefined;
        running.apiserver = await start();
      },
      async stop() {
        await running.apiserver?.stop();
        await running.etcd.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await apiserver?.stop();
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
