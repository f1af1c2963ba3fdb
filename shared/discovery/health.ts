/**
 * What `/v1/discovery/health` reports. The reconciler fills it; a registry with no source
 * configured reports an empty list.
 */
export interface SourceHealth {
  name: string;
  enabled: boolean;
  last_run: string | null;
  next_run: string | null;
  ok: boolean | null;
  error: string | null;
  instances: number;
}

export interface DiscoveryHealth {
  sources: SourceHealth[];
  totals: { sources: number; enabled: number; ok: number; instances: number };
}

export function summarize(sources: SourceHealth[]): DiscoveryHealth {
  return {
    sources,
    totals: {
      sources: sources.length,
      enabled: sources.filter((s) => s.enabled).length,
      ok: sources.filter((s) => s.ok === true).length,
      instances: sources.reduce((n, s) => n + s.instances, 0),
    },
  };
}
