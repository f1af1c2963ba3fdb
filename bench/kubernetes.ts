/**
 * `npx tsx bench/kubernetes.ts [changes] [cold-runs]`: what the Kubernetes source costs and how
 * fast it is, printed as markdown (progress on stderr).
 *
 * - How long a change of an EndpointSlice takes to reach `muster serve`: from sending the write
 *   to the API server until the registry's blocking read (`?wait=`, answered the moment what it
 *   serves changes) answers. A real kube-apiserver (scripts/kube-apiserver.mjs build) and a real
 *   `muster serve` process, its reconcile interval an hour so that only the watch can bring it.
 * - The reconciler's Lambda bundle as shipped (the official client inside, its module code run on
 *   the first pass with the source) and without it (the two Kubernetes modules replaced by
 *   stubs): size, and the cold import in fresh processes, the source off and on.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1Endpoint } from "@kubernetes/client-node";
import { build, type Plugin } from "esbuild";
import { lambdaBuildOptions } from "../infra/lambda-bundle.js";
import { startKubeApiServer } from "../scripts/engines/kube-apiserver.js";
import { type Summary, summarize } from "./stats.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const TOKEN = "bench-kubernetes-token-0123456789";

/** `muster serve` on a free port; resolves with its URL once it listens. */
function serve(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["bin/muster.mjs", "serve"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      err += d;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (match?.[1]) resolve({ url: match[1], child });
    });
    child.once("exit", (code) => reject(new Error(`muster serve exited ${code}:\n${err}`)));
  });
}

async function followLatency(changes: number): Promise<Summary> {
  progress("starting etcd and kube-apiserver");
  const api = await startKubeApiServer({ users: [] });
  const dir = await mkdtemp(join(tmpdir(), "muster-bench-kube-"));
  let child: ChildProcess | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    await core.createNamespace({ body: { metadata: { name: "shop" } } });
    await core.createNamespacedService({
      namespace: "shop",
      body: { metadata: { name: "web" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } },
    });
    const endpoint = (pod: string, ip: string, ready: boolean): V1Endpoint => ({
      addresses: [ip],
      conditions: { ready, serving: true, terminating: false },
      targetRef: { kind: "Pod", name: pod, namespace: "shop" },
    });
    const endpoints = (ready: boolean) => [
      endpoint("web-a", "10.1.0.1", true),
      endpoint("web-b", "10.1.0.2", ready),
    ];
    await discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: {
        metadata: { name: "web-1", labels: { "kubernetes.io/service-name": "web" } },
        addressType: "IPv4",
        endpoints: endpoints(true),
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    });
    progress("starting muster serve with the source");
    const server = await serve({
      MUSTER_K8S_DISCOVERY: "true",
      MUSTER_K8S_NAMESPACE: "shop",
      MUSTER_RECONCILE_INTERVAL: "3600",
      MUSTER_TOKENS: TOKEN,
      MUSTER_DATA_DIR: join(dir, "data"),
      KUBECONFIG: api.kubeconfig,
    });
    child = server.child;
    const url = `${server.url}/v1/services/web/instances`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const read = async (etag?: string, wait = 0) => {
      const res = await fetch(wait ? `${url}?wait=${wait}` : url, {
        headers: etag ? { ...headers, "if-none-match": etag } : headers,
      });
      const body = (await res.json().catch(() => ({}))) as { instances?: unknown[] };
      return { status: res.status, etag: res.headers.get("etag") ?? undefined, body };
    };
    // Until the registry has both endpoints.
    for (let i = 0; ; i++) {
      if ((await read()).body.instances?.length === 2) break;
      if (i > 300) throw new Error("the registry never saw the slice");
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    for (let i = 0; i < changes; i++) {
      const { etag } = await read();
      const answered = read(etag, 30);
      // Give the blocking read time to be held before the change.
      await new Promise((r) => setTimeout(r, 50));
      const current = await discovery.readNamespacedEndpointSlice({
        namespace: "shop",
        name: "web-1",
      });
      const writeStart = performance.now();
      await discovery.replaceNamespacedEndpointSlice({
        namespace: "shop",
        name: "web-1",
        body: { ...current, endpoints: endpoints(i % 2 === 1) },
      });
      const answer = await answered;
      if (answer.status !== 200) throw new Error(`change ${i}: the read answered ${answer.status}`);
      latencies.push(performance.now() - writeStart);
    }
    return summarize(latencies);
  } finally {
    child?.kill("SIGTERM");
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The two modules through which the reconciler reaches the official client, as stubs. */
const withoutKubernetes: Plugin = {
  name: "without-kubernetes",
  setup(b) {
    b.onResolve({ filter: /sources\/kubernetes\/(kube-config|slice-list)\.js$/ }, (args) => ({
      path: args.path,
      namespace: "stub",
    }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents:
        "export const sourceKubeConfig = () => { throw new Error('stub'); };\n" +
        "export const listEndpointSlicesOnce = () => { throw new Error('stub'); };\n",
      loader: "js",
    }));
  },
};

const PROBE = `const start = process.hrtime.bigint();
await import(process.argv[2]);
process.stdout.write(JSON.stringify({ importMs: Number(process.hrtime.bigint() - start) / 1e6 }));
`;

async function reconcilerBundles(coldRuns: number) {
  const dir = await mkdtemp(join(tmpdir(), "muster-bench-reconciler-"));
  try {
    const entry = join(ROOT, "functions", "reconcile.ts");
    const probe = join(dir, "probe.mjs");
    await writeFile(probe, PROBE);
    // What the first pass with the source loads: the two modules, bundled alone the same way.
    const clientEntry = join(dir, "client.ts");
    const shared = join(ROOT, "shared", "sources", "kubernetes");
    await writeFile(
      clientEntry,
      `export * from ${JSON.stringify(join(shared, "kube-config.ts"))};\n` +
        `export * from ${JSON.stringify(join(shared, "slice-list.ts"))};\n`,
    );
    const variants = [
      { name: "as shipped (the client inside)", entry, plugins: [] as Plugin[] },
      { name: "without the client (stubbed)", entry, plugins: [withoutKubernetes] },
      { name: "the client alone (what the first pass loads)", entry: clientEntry, plugins: [] },
    ];
    const built: { name: string; file: string; bytes: number }[] = [];
    for (const [n, v] of variants.entries()) {
      const folder = join(dir, String(n));
      const file = join(folder, "index.js");
      await build({ ...lambdaBuildOptions(v.entry, file), plugins: v.plugins });
      built.push({ name: v.name, file, bytes: (await readFile(file)).length });
    }
    const env = {
      ...process.env,
      MUSTER_TABLE: "muster-bench",
      MUSTER_K8S_DISCOVERY: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    };
    const times = built.map(() => [] as number[]);
    // Interleaved, so that the machine's load falls on both alike.
    for (let i = 0; i < coldRuns; i++) {
      for (const [n, b] of built.entries()) {
        const run = spawnSync(process.execPath, [probe, pathToFileURL(b.file).href], {
          env,
          encoding: "utf8",
          timeout: 60_000,
        });
        if (run.status !== 0) throw new Error(`importing ${b.name} failed: ${run.stderr}`);
        times[n]?.push(JSON.parse(run.stdout).importMs);
      }
    }
    return built.map((b, n) => ({ ...b, coldImport: summarize(times[n] ?? []) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [changes = 40, coldRuns = 15] = process.argv.slice(2).map(Number);
const fixed = (v: number) => v.toFixed(1);
progress(`reconciler bundle, ${coldRuns} cold imports each`);
const bundles = await reconcilerBundles(coldRuns);
progress(`${changes} EndpointSlice changes through muster serve`);
const latency = await followLatency(changes);
console.log("| what | median | p99 | max |\n|---|---:|---:|---:|");
console.log(
  `| slice write → registry's blocking read answers (${latency.n} changes) | ${fixed(latency.median)} ms | ${fixed(latency.p99)} ms | ${fixed(latency.max)} ms |`,
);
console.log("\n| reconciler bundle | bytes | cold import median | p99 |\n|---|---:|---:|---:|");
for (const b of bundles) {
  console.log(
    `| ${b.name} | ${Math.round(b.bytes / 1024)} KiB | ${fixed(b.coldImport.median)} ms | ${fixed(b.coldImport.p99)} ms |`,
  );
}
