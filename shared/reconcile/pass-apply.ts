import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { AppLogger } from "../logging.js";
import { type Instance, NODE_SOURCES } from "../model/instance.js";
import type { ReconcilerSettings } from "../settings/reconciler.js";
import { importCloudMap } from "../sources/cloudmap-import.js";
import type { ReconcilerStore, ReconcileState } from "../store/store.js";
import { describeError } from "./outcome.js";
import { type Outcomes, SOURCES } from "./pass-record.js";
import type { Scans } from "./pass-scan.js";
import { syncExport } from "./sync-export.js";
import { syncImport } from "./sync-import.js";
import { removeTerminated } from "./sync-terminated.js";

/**
 * A pass's second step: brings the registry (and, for the export, Cloud Map) in line with
 * what each source said, behind each source's safety check (`previous`: the last pass's
 * accepted counts). A failed source changes nothing and comes back as a failed outcome.
 */
export async function applyScans(input: {
  scans: Scans;
  registry: Instance[];
  store: ReconcilerStore;
  config: ReconcilerSettings;
  previous: ReadonlyMap<string, ReconcileState>;
  ec2: EC2Client | undefined;
  cloudMap: ServiceDiscoveryClient | undefined;
  kubernetes: boolean;
  nowMs: number;
  leaseSeconds: number;
  concurrency: number;
  signal: AbortSignal;
  logger: AppLogger;
}): Promise<Outcomes> {
  const { scans, registry, store, config, ec2, cloudMap, concurrency, signal, logger } = input;
  const { ec2Scan, namespaceSnapshot, kubernetesScan } = scans;
  const common = {
    registry,
    store,
    nowMs: input.nowMs,
    leaseSeconds: input.leaseSeconds,
    concurrency,
    signal,
  };
  const prior = (name: string) => {
    const p = input.previous.get(name);
    return p?.enabled ? { accepted: p.accepted, heldPasses: p.held_passes } : undefined;
  };
  const outcomes: Outcomes = { removed: new Set<Instance>() };

  if (ec2 && ec2Scan) {
    outcomes.ec2 = await syncImport({
      ...common,
      source: "ec2",
      scan: ec2Scan,
      previous: prior(SOURCES.ec2),
      safetyRatio: config.safetyRatio,
    });
    // Asked only when the tag search worked: a failing EC2 is reported once, by that.
    if (ec2Scan.status === "fulfilled") {
      try {
        const gone = await removeTerminated({ ec2, store, registry, concurrency, signal, logger });
        for (const i of gone) outcomes.removed.add(i);
      } catch (err) {
        const outcome = outcomes.ec2;
        outcomes.ec2 = {
          ...outcome,
          ok: false,
          error: [
            outcome.error,
            `checking heartbeat nodes' EC2 instances failed: ${describeError(err)}`,
          ]
            .filter((e) => e !== null)
            .join("; "),
        };
      }
    }
  }

  if (input.kubernetes && kubernetesScan) {
    outcomes.kubernetes = await syncImport({
      ...common,
      source: "kubernetes",
      scan: kubernetesScan,
      previous: prior(SOURCES.kubernetes),
      safetyRatio: config.safetyRatio,
    });
  }

  if (cloudMap && namespaceSnapshot) {
    outcomes.cloudMap = await syncImport({
      ...common,
      source: "cloudmap",
      scan:
        namespaceSnapshot.status === "fulfilled"
          ? {
              status: "fulfilled",
              value: importCloudMap(namespaceSnapshot.value, config.ec2.defaultPorts),
            }
          : namespaceSnapshot,
      previous: prior(SOURCES.cloudMap),
      safetyRatio: config.safetyRatio,
    });
    outcomes.cloudMapExport = await syncExport({
      client: cloudMap,
      snapshot: namespaceSnapshot,
      heartbeats: registry.filter(
        (i) => NODE_SOURCES.includes(i.source) && !outcomes.removed.has(i),
      ),
      previous: prior(SOURCES.cloudMapExport),
      safetyRatio: config.safetyRatio,
      concurrency,
      signal,
    });
  }
  return outcomes;
}
