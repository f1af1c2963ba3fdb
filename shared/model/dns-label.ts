/**
 * A host-name label (RFC 1123), in lower case: 1-63 characters of a-z, 0-9 and '-', no '-' at
 * either end. Service names, plain instance labels, zones and the host part of `host:port` are
 * all made of it, so the rule is written once here.
 */
export const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";

export const DNS_LABEL = new RegExp(`^${LABEL}$`);

/**
 * Labels joined by dots, 253 characters in all. `caseInsensitive` for names as others write
 * them (a host in `host:port`), `trailingDot` for a fully qualified spelling (`host.`).
 */
export function dnsNamePattern(
  options: { caseInsensitive?: boolean; trailingDot?: boolean } = {},
): RegExp {
  const dot = options.trailingDot ? "\\.?" : "";
  return new RegExp(
    `^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*${dot}$`,
    options.caseInsensitive ? "i" : "",
  );
}
