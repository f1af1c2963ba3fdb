import type { Instance } from "../model/instance.js";

/**
 * Blixard dials `direct_addresses`; a node that reported none is still reachable at its
 * `address`, so the files offer that rather than an empty list a joiner cannot use.
 */
export function dialAddresses(instance: Instance): string[] {
  return instance.direct_addresses.length > 0 ? instance.direct_addresses : [instance.address];
}
