import { ConfigError } from "../config.js";
import { SERVICE_NAME } from "../model/names.js";
import { DEFAULT_DNS_ZONE, normalizeZone } from "./names.js";

const ZONE =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

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

/**
 * MUSTER_DNS_IROH_SERVICE: the service whose Iroh nodes `_iroh._tcp.<zone>` answers for
 * (Blixard's DNS discovery domain), as `_<service>._tcp.<zone>` does. Unset: none, and
 * `_iroh._tcp` is the SRV name of a service called `iroh`, like any other.
 */
export function readDnsIrohService(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.MUSTER_DNS_IROH_SERVICE?.trim();
  if (!raw) return undefined;
  if (!SERVICE_NAME.test(raw)) {
    throw new ConfigError(
      "invalid configuration: MUSTER_DNS_IROH_SERVICE: must be a service name such as blixard",
    );
  }
  return raw;
}
