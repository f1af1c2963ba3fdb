import { DEFAULT_DNS_ZONE, normalizeZone } from "../dns/names.js";
import { dnsNamePattern } from "../model/dns-label.js";
import { SERVICE_NAME } from "../model/names.js";
import * as z from "../validation/zod.js";
import type { Environment } from "./names.js";
import { readSection, variablesOf } from "./read.js";

const ZONE = dnsNamePattern();

const schema = z.object({
  MUSTER_DNS_ZONE: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform(normalizeZone),
        z.string().check(z.regex(ZONE, "must be a DNS name such as muster.internal")),
      ),
    ),
    DEFAULT_DNS_ZONE,
  ),
  MUSTER_DNS_IROH_SERVICE: z.optional(
    z.string().check(z.regex(SERVICE_NAME, "must be a service name such as blixard")),
  ),
});

export const DNS_VARIABLES = variablesOf(schema);

/** What DNS over HTTPS (every API) and local mode's plain DNS answer for. */
export interface DnsSettings {
  /** MUSTER_DNS_ZONE, lower case without the trailing dot; default `muster.internal`. */
  zone: string;
  /**
   * MUSTER_DNS_IROH_SERVICE: the service whose Iroh nodes `_iroh._tcp.<zone>` answers for
   * (Blixard's DNS discovery domain), as `_<service>._tcp.<zone>` does. Unset: none, and
   * `_iroh._tcp` is the SRV name of a service called `iroh`, like any other.
   */
  irohService?: string;
}

export function readDnsSettings(env: Environment): DnsSettings {
  const values = readSection(schema, env);
  const zone = values.MUSTER_DNS_ZONE;
  const irohService = values.MUSTER_DNS_IROH_SERVICE;
  return irohService === undefined ? { zone } : { zone, irohService };
}
