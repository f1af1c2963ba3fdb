import { DEFAULT_DNS_ZONE, normalizeZone } from "../dns/names.js";
import { dnsNamePattern } from "../model/dns-label.js";
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
});

export const DNS_VARIABLES = variablesOf(schema);

/** What DNS over HTTPS (every API) and local mode's plain DNS answer for. */
export interface DnsSettings {
  /** MUSTER_DNS_ZONE, lower case without the trailing dot; default `muster.internal`. */
  zone: string;
}

export function readDnsSettings(env: Environment): DnsSettings {
  return { zone: readSection(schema, env).MUSTER_DNS_ZONE };
}
