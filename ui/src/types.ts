/**
 * The API's answers as this page reads them (docs/api.md): the page is a client of the HTTP
 * API like any other, so it keeps its own view of the shapes rather than the server's code.
 */
export type Status = "passing" | "warning" | "critical";
export const STATUSES: readonly Status[] = ["passing", "warning", "critical"];

export interface Instance {
  service: string;
  id: string;
  address: string;
  direct_addresses: string[];
  relay_url: string | null;
  iroh_node_id: string | null;
  cluster_node_id: number | null;
  tags: string[];
  metadata: Record<string, string>;
  version: string | null;
  weight: number;
  status: Status;
  source: string;
  registered_by: string;
  registered_at: string;
  last_seen: string;
  expires_at: string;
}

export interface ServiceEntry {
  name: string;
  instances: number;
  passing: number;
  warning: number;
  critical: number;
  sources: Record<string, number>;
  public: boolean;
  last_change: string | null;
}

export type ChangeKind = "joined" | "left" | "status";

export interface ChangeEntry {
  at: string;
  service: string;
  id: string;
  change: ChangeKind;
  status: Status | null;
  previous_status: Status | null;
  source: string | null;
  address: string | null;
  reason: string | null;
}

export interface ChangesAnswer {
  changes: ChangeEntry[];
  /** Which kinds of change this registry keeps (a table keeps joins only). */
  kinds: ChangeKind[];
}

/** One file the registry serves (shared/formats/registry.ts), as the page config lists it. */
export interface FileFormat {
  name: string;
  path: string;
  scope: "service" | "instance" | "services";
  presign: "query" | "join" | null;
}

/** How the page follows changes: blocking reads (local mode) or polling (Lambda). */
export type LiveMode = { mode: "wait"; seconds: number } | { mode: "poll"; seconds: number };

/** What the server puts in the page (shared/ui/page-config.ts). */
export interface PageConfig {
  live: LiveMode;
  formats: FileFormat[];
  dns: { zone: string; irohService: string | null };
}
