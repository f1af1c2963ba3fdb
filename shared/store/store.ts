import type { Instance, InstanceFields, Source } from "../model/instance.js";

/** What the HTTP app needs from a store. `DynamoStore` is the one implementation. */
export interface Store {
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  deregister(service: string, id: string, owner: string, nowMs: number): Promise<DeregisterResult>;
  get(service: string, id: string, nowMs: number): Promise<Instance | undefined>;
  /** Every live instance of a service, ordered by id. */
  list(service: string, nowMs: number): Promise<Instance[]>;
  /** Services with at least one live instance, ordered by name. */
  services(nowMs: number): Promise<ServiceSummary[]>;
  /** Resolves when the store answers; throws `StoreUnavailableError` when it does not. */
  ping(): Promise<void>;
}

export interface HeartbeatInput {
  service: string;
  id: string;
  fields: InstanceFields;
  ttl: number;
  /** Fingerprint of the caller's credential; an instance belongs to one owner while it lives. */
  owner: string;
  source: Source;
  nowMs: number;
}

export type HeartbeatResult =
  | { kind: "created" | "renewed"; expiresAt: number }
  | { kind: "conflict" }
  | { kind: "too_soon"; retryAfterSeconds: number };

export type DeregisterResult = "deleted" | "absent" | "forbidden";

export interface ServiceSummary {
  name: string;
  instances: number;
  passing: number;
}

/** The store did not answer (down, unreachable, throttled); the caller may try again later. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
