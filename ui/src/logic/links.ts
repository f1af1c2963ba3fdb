import type { FileFormat } from "../types.js";

export interface Link {
  label: string;
  value: string;
  /** What it is for, in a few words. */
  note: string;
}

/**
 * The URLs of a service's files, from the format registry the page was given: every format of
 * a service, and each instance's (registry.json) with `{id}` as it stands. A join URL (Blixard's
 * bootstrap) is minted by an admin; the plain path is shown with how to mint it.
 */
export function fileLinks(origin: string, service: string, formats: readonly FileFormat[]): Link[] {
  const base = `${origin}/v1/services/${service}/`;
  return formats.flatMap((f): Link[] => {
    if (f.scope === "services") {
      return [
        {
          label: f.name,
          value: `${origin}/v1/${f.path}?service=${service}`,
          note: "across services",
        },
      ];
    }
    const note =
      f.presign === "join"
        ? `join URL: npm run presign -- --service ${service} --file ${f.name}`
        : f.presign === "query"
          ? "a token, or a presigned URL"
          : "a token";
    return [{ label: f.name, value: base + f.path, note }];
  });
}

/** A DNS label as the registry makes it for a plain id; undefined when it hashes the id. */
export function plainIdLabel(id: string): string | undefined {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(id) && !id.startsWith("h--") ? id : undefined;
}

/** The names a service answers to in the registry's DNS zone (docs/dns.md). */
export function dnsNames(
  service: string,
  dns: { zone: string; irohService: string | null },
): Link[] {
  const zone = dns.zone.replace(/\.$/, "");
  const names: Link[] = [
    { label: "SRV", value: `_${service}._tcp.${zone}`, note: "SRV, and TXT for Blixard nodes" },
    { label: "A/AAAA", value: `${service}.${zone}`, note: "every address" },
  ];
  if (dns.irohService === service) {
    names.push({ label: "iroh", value: `_iroh._tcp.${zone}`, note: "iroh's DNS discovery" });
  }
  return names;
}
