import type { DiscoveryHealth } from "../../shared/discovery/health.js";
import { configuredSources } from "../../shared/reconcile/clients.js";
import { type PassOptions, runReconcilePass } from "../../shared/reconcile/pass.js";
import type { PassReport } from "../../shared/reconcile/pass-record.js";
import { discoveryFromTable } from "../../shared/reconcile/status.js";
import { readReconcilerSettings } from "../../shared/settings/reconciler.js";
import type { Engine } from "../engines/index.js";
import type { MotoAccount } from "./moto.js";
import { json, TOKEN_A, testRegistry } from "./registry.js";

/**
 * A registry on a real engine plus the reconciler pointed at a moto account, configured from
 * environment variables as the real entry points are. Passes run when the test says so, on
 * the registry's clock.
 */
export async function reconcilerHarness(
  engine: Engine,
  moto: Pick<MotoAccount, "ec2" | "cloudMap">,
  env: Record<string, string>,
) {
  let discovery: (() => Promise<DiscoveryHealth>) | undefined;
  const registry = await testRegistry(engine, {
    discovery: () => (discovery as () => Promise<DiscoveryHealth>)(),
  });
  const config = readReconcilerSettings({ MUSTER_TABLE: registry.settings.tableName, ...env });
  discovery = discoveryFromTable({
    store: registry.store,
    now: () => registry.clock.ms,
    configured: configuredSources(config),
  });
  const pass = async (options: PassOptions = {}): Promise<PassReport> => {
    const report = await runReconcilePass(
      {
        store: registry.store,
        config,
        ec2: moto.ec2,
        cloudMap: moto.cloudMap,
        now: () => registry.clock.ms,
      },
      { budgetMs: 20_000, ...options },
    );
    return report;
  };
  const peers = async (service: string): Promise<string[]> => {
    const res = await registry.get(`/v1/services/${service}/peers.txt`);
    if (res.status !== 200) throw new Error(`peers.txt answered ${res.status}`);
    return (await res.text()).split("\n").filter((l) => l !== "");
  };
  const health = async () => json(await registry.get("/v1/discovery/health"));
  const source = async (name: string) =>
    (await health()).sources.find((s: { name: string }) => s.name === name);
  return { ...registry, config, pass, peers, health, source, token: TOKEN_A };
}

export type ReconcilerHarness = Awaited<ReturnType<typeof reconcilerHarness>>;
