/**
 * `GET /v1/agent/self`. Clients read `Config.Datacenter` (Prometheus's Consul discovery does so
 * before anything else when no datacenter is configured, and retries every 15 s until it is a
 * string) and `Config.NodeName`; HashiCorp's Go client decodes the body as a map of objects,
 * so every top-level value is an object. The values a Consul agent reports about its own
 * process (DebugConfig, Stats) are left empty: muster has no such agent.
 */

export interface SelfContext {
  datacenter: string;
  nodeName: string;
  /** A version string that parses as semver: clients that gate features on it compare it. */
  version: string;
  revision: string;
  /** The address the server answers on, without the port. */
  address: string;
}

export interface AgentSelf {
  Config: {
    Datacenter: string;
    PrimaryDatacenter: string;
    NodeName: string;
    NodeID: string;
    Revision: string;
    Server: boolean;
    Version: string;
    BuildDate: string;
  };
  DebugConfig: Record<string, never>;
  Coord: { Vec: number[]; Error: number; Adjustment: number; Height: number };
  Member: {
    Name: string;
    Addr: string;
    Port: number;
    Tags: Record<string, string>;
    Status: number;
  };
  Stats: Record<string, Record<string, string>>;
  Meta: Record<string, string>;
}

export function agentSelf(ctx: SelfContext): AgentSelf {
  return {
    Config: {
      Datacenter: ctx.datacenter,
      PrimaryDatacenter: ctx.datacenter,
      NodeName: ctx.nodeName,
      NodeID: "",
      Revision: ctx.revision,
      Server: true,
      Version: ctx.version,
      BuildDate: "",
    },
    DebugConfig: {},
    // A fresh Vivaldi coordinate, as a Consul agent reports before it has measured anything.
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: {
      Name: ctx.nodeName,
      Addr: ctx.address,
      Port: 0,
      Tags: { dc: ctx.datacenter, role: "consul" },
      Status: 1,
    },
    Stats: {},
    Meta: {},
  };
}
