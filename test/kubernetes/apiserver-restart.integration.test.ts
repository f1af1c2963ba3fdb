import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context, ScheduledEvent } from "aws-lambda";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { lambdaBuildOptions } from "../../infra/lambda-bundle.js";
import { type KubeApiServer, startKubeApiServer } from "../../scripts/engines/kube-apiserver.js";
import type { Instance } from "../../shared/model/instance.js";
import { loadKubeConfig } from "../../shared/sources/kubernetes/kube-config.js";
import {
  type SliceWatcher,
  watchEndpointSlices,
} from "../../shared/sources/kubernetes/slice-watcher.js";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { DynamoStore } from "../../shared/store/dynamodb/store.js";
import { engine } from "../engines/index.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { freshTable } from "../support/table.js";
import {
  type AdminApis,
  adminApis,
  createNamespace,
  createService,
  podEndpoint,
  START_TIMEOUT_MS,
  sliceBody,
} from "./cluster.js";

// Its own API server: this file stops and starts it. The reconciler's Lambda path shares it
// (after the restart), so that the Kubernetes files start few API servers.
let api: KubeApiServer;
let apis: AdminApis;
let watcher: SliceWatcher | undefined;
let server: LocalServer | undefined;
let dir: string;
const TOKEN = "kube-restart-test-token-0123456789";

beforeAll(async () => {
  api = await startKubeApiServer();
  apis = adminApis(api);
  await createNamespace(apis, "shop");
  await createService(apis, "shop", "web");
  dir = await mkdtemp(join(tmpdir(), "muster-kube-restart-"));
}, START_TIMEOUT_MS);
afterAll(async () => {
  await watcher?.stop();
  if (server) await stopLocal(server);
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What `muster serve` lists of service web, `id status`. */
async function served(s: LocalServer): Promise<string[]> {
  const res = await fetch(`${s.url}/v1/services/web/instances`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { instances } = (await res.json()) as { instances: Instance[] };
  return instances.map((i) => `${i.id} ${i.status}`).sort();
}

const ids = (w: SliceWatcher) =>
  w
    .snapshot()
    .scan.instances.map((i) => `${i.id} ${i.fields.status}`)
    .sort();

it(
  "keeps what it knew while the API server restarts, then catches up with what changed (the watcher, and muster serve)",
  async () => {
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-1", "web", [podEndpoint("shop", "web-a", "10.1.0.1")]),
    });
    const errors: Error[] = [];
    watcher = watchEndpointSlices({
      kubeConfig: loadKubeConfig({
        env: { KUBECONFIG: api.kubeconfig },
        serviceAccountDir: "/nonexistent/serviceaccount",
      }),
      namespaces: ["shop"],
      retryMs: { min: 100, max: 1_000 },
      onError: (err) => errors.push(err),
    });
    const w = watcher;
    // The registry too, with a reconcile interval of an hour: only its watch can catch up.
    server = await startLocal({
      MUSTER_K8S_DISCOVERY: "true",
      MUSTER_K8S_NAMESPACE: "shop",
      MUSTER_RECONCILE_INTERVAL: "3600",
      MUSTER_TOKENS: TOKEN,
      MUSTER_DATA_DIR: join(dir, "data"),
      KUBECONFIG: api.kubeconfig,
    });
    const s = server;
    await w.ready;
    await vi.waitFor(
      async () => {
        expect(ids(w)).toEqual(["shop.web-a passing"]);
        expect(await served(s)).toEqual(["shop.web-a passing"]);
      },
      { timeout: 15_000, interval: 100 },
    );

    await api.restart();
    // The watches broke and failed to reconnect while it was down; nothing known was dropped.
    expect(errors.length).toBeGreaterThan(0);
    expect(ids(w)).toEqual(["shop.web-a passing"]);
    expect(await served(s)).toEqual(["shop.web-a passing"]);

    // Changes after the restart: one endpoint not ready, and a second slice.
    const slice = await apis.discovery.readNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
    });
    await apis.discovery.replaceNamespacedEndpointSlice({
      namespace: "shop",
      name: "web-1",
      body: {
        ...slice,
        endpoints: [
          podEndpoint("shop", "web-a", "10.1.0.1", {
            ready: false,
            serving: true,
            terminating: false,
          }),
        ],
      },
    });
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "shop",
      body: sliceBody("web-2", "web", [podEndpoint("shop", "web-b", "10.1.0.2")]),
    });
    await vi.waitFor(
      async () => {
        expect(ids(w)).toEqual(["shop.web-a warning", "shop.web-b passing"]);
        expect(w.snapshot().synced).toBe(true);
        expect(await served(s)).toEqual(["shop.web-a warning", "shop.web-b passing"]);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(w.snapshot().errors).toEqual([]);
    const health = await fetch(`${s.url}/v1/discovery/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await health.json()).toMatchObject({
      sources: [{ name: "kubernetes", enabled: true, ok: true, error: null, instances: 2 }],
    });
  },
  START_TIMEOUT_MS,
);

describe("the reconciler on Lambda's path", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("functions/reconcile.ts lists the slices once per pass into DynamoDB, and holds an empty answer until confirmed", async () => {
    // The function as the stack bundles it (minified CommonJS, the official client inside).
    const dir = await mkdtemp(join(tmpdir(), "muster-reconcile-bundle-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const bundle = join(dir, "index.js");
    await build(
      lambdaBuildOptions(
        fileURLToPath(new URL("../../functions/reconcile.ts", import.meta.url)),
        bundle,
      ),
    );
    const dynamo = engine("dynamodb-local");
    const { tableName } = await freshTable(dynamo);
    await createNamespace(apis, "lambda");
    await createService(apis, "lambda", "batch");
    await apis.discovery.createNamespacedEndpointSlice({
      namespace: "lambda",
      body: sliceBody(
        "batch-1",
        "batch",
        ["10.6.0.1", "10.6.0.2", "10.6.0.3"].map((ip, n) =>
          podEndpoint("lambda", `batch-${n}`, ip),
        ),
      ),
    });
    for (const [k, v] of Object.entries({
      MUSTER_TABLE: tableName,
      MUSTER_K8S_DISCOVERY: "true",
      MUSTER_K8S_NAMESPACE: "lambda",
      KUBECONFIG: api.kubeconfig,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    }))
      vi.stubEnv(k, v);
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    // The first pass in a fresh process from the bundle, as a cold Lambda runs it; the others
    // through the module, which reads the state the first one left in the table.
    const bundled = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
         const r = await m.handler({}, { getRemainingTimeInMillis: () => 60000 });
         process.stdout.write("RESULT " + JSON.stringify(r));`,
      ],
      { env: { ...process.env }, encoding: "utf8" },
    );
    expect(JSON.parse(bundled.slice(bundled.indexOf("RESULT ") + 7))).toMatchObject({
      ok: true,
      sources: [{ name: "kubernetes", ok: true, instances: 3, error: null }],
    });
    vi.resetModules();
    const reconcile = await import("../../functions/reconcile.js");
    const pass = () =>
      reconcile.handler(
        {} as ScheduledEvent,
        { getRemainingTimeInMillis: () => 60_000 } as Context,
      );
    const store = new DynamoStore({
      client: createDynamoClient({ endpoint: dynamo.endpoint, region: "us-east-1" }),
      tableName,
    });
    const listed = async () =>
      (await store.list("batch", Date.now())).map((i) => `${i.id} ${i.status} ${i.source}`);

    // Nothing changed since: the module's pass writes nothing and reports the same.
    expect(await pass()).toEqual({
      ok: true,
      durationMs: expect.any(Number),
      sources: [{ name: "kubernetes", ok: true, instances: 3, error: null }],
    });
    expect(await listed()).toEqual([
      "lambda.batch-0 passing kubernetes",
      "lambda.batch-1 passing kubernetes",
      "lambda.batch-2 passing kubernetes",
    ]);
    const emf = out
      .flatMap((c) => c.split("\n"))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const metric = (name: string) => emf.find((m) => name in m && m.Source === "kubernetes");
    expect(metric("SourceInstances")).toMatchObject({ SourceInstances: 3 });
    expect(metric("SourceErrors")).toMatchObject({ SourceErrors: 0 });
    expect(metric("SourceMissing")).toMatchObject({ SourceMissing: 0 });

    // Every slice gone at once: held for two passes, believed on the third.
    await apis.discovery.deleteNamespacedEndpointSlice({ namespace: "lambda", name: "batch-1" });
    for (const held of [1, 2]) {
      const result = await pass();
      expect(result.ok).toBe(false);
      expect(result.sources[0]?.error).toMatch(
        new RegExp(
          `^safety: found 0 instance\\(s\\) where the last accepted pass had 3 .*held ${held} of 2`,
        ),
      );
      expect(await listed()).toHaveLength(3);
    }
    expect((await pass()).sources).toEqual([
      { name: "kubernetes", ok: true, instances: 0, error: null },
    ]);
    expect(await listed()).toEqual([]);
  });
});
