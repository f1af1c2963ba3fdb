import { ConfigError } from "../config.js";
import { dnsNamePattern } from "../model/dns-label.js";
import { DEFAULT_DNS_ZONE, normalizeZone } from "./names.js";

const ZONE = dnsNamePattern();

/** MUSTER_DNS_ZONE (default `muster.internal`), lower case without the trailing dot. */
export function readDnsZone(env: NodeJS.ProcessEnv): string {
  const raw = env.MUSTER_DNS_ZONE?.trim();
  if (!raw) return DEFAULT_DNS_ZONE;
  const zone = normalizeZone(raw);
  if (!ZONE.test(zone)) {
    throw new ConfigError(
      "invalid configuration: MUSTER_DNS_ZONE: must be a DNS name such as muster.internal",
    );
  }
  return zone;
}
