import { FORMATS } from "../formats/registry.js";
import type { DnsSettings } from "../settings/dns.js";

/** How the page follows changes: blocking reads where writes wake them in process, else polls. */
export type LiveMode = { mode: "wait"; seconds: number } | { mode: "poll"; seconds: number };

/** How long the page's blocking reads wait: well under what proxies let an idle request live. */
export const UI_WAIT_SECONDS = 25;

/**
 * What the page is told about this registry (ui/src/types.ts `PageConfig`): how to follow
 * changes, the files the format registry serves (so the page lists every one, and a new format
 * appears there without touching the UI), and the DNS zone its names are in. Nothing secret:
 * the page is served without a token.
 */
export function pageConfig(options: { live: LiveMode; dns: DnsSettings }) {
  return {
    live: options.live,
    formats: FORMATS.map((f) => ({
      name: f.name,
      path: f.path,
      scope: f.scope,
      presign: f.presign ?? null,
    })),
    dns: { zone: options.dns.zone, irohService: options.dns.irohService ?? null },
  };
}
