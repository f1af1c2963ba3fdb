import { DEFAULT_DNS_ZONE } from "../dns/names.js";
import type { DnsSettings } from "../settings/dns.js";
import { UiAssets } from "../ui/assets.js";
import { pageConfig, UI_WAIT_SECONDS } from "../ui/page-config.js";
import type { BlockingReads } from "./blocking.js";

/**
 * The UI's files with this app's page settings, made once on the first /ui request. The page
 * waits on blocking reads where a write in this process wakes them (local mode's feed); where
 * it would not (Lambda: other containers write), it polls at the configured interval.
 */
export function uiAssets(
  ui: { assets: () => Promise<Map<string, Uint8Array>>; pollSeconds: number },
  app: { blockingReads?: BlockingReads | undefined; dns?: DnsSettings | undefined },
): () => Promise<UiAssets> {
  let made: Promise<UiAssets> | undefined;
  return () => {
    made ??= ui.assets().then((files) => {
      const live = app.blockingReads?.feed
        ? ({
            mode: "wait",
            seconds: Math.min(UI_WAIT_SECONDS, app.blockingReads.maxWaitSeconds),
          } as const)
        : ({ mode: "poll", seconds: ui.pollSeconds } as const);
      return new UiAssets(files, pageConfig({ live, dns: app.dns ?? { zone: DEFAULT_DNS_ZONE } }));
    });
    // A failed build is not kept: the next request tries again.
    made.catch(() => {
      made = undefined;
    });
    return made;
  };
}
