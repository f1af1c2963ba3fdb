import { heartbeatInterval, type Lease, TTL_DEFAULT } from "../shared/model/heartbeat.js";
import type { Status } from "../shared/model/instance.js";
import type { HealthCheck } from "./checks/check.js";
import { Backoff, type BackoffOptions } from "./client/backoff.js";
import { RegistryError } from "./client/http.js";
import {
  CircuitOpenError,
  type HeartbeatInput,
  type RegistryClient,
} from "./client/registry-client.js";
import { type Logger, silentLogger } from "./log.js";
import type { Rng } from "./rng.js";
import { delay, Sleeper } from "./sleep.js";

export interface HeartbeaterOptions {
  client: RegistryClient;
  service: string;
  /** What to register; `status` is left out because the check decides it. */
  instance: Omit<HeartbeatInput, "status">;
  /** Without one the instance reports passing for as long as the process lives. */
  check?: HealthCheck;
  /** Default: the heartbeat interval. Shorter notices a failure sooner; each change is sent at once. */
  checkIntervalMs?: number;
  /** Default: the smaller of 5 s and the check interval. */
  checkTimeoutMs?: number;
  /** Retry pacing after failures. Default: 0.5 s doubling up to the TTL (at most 30 s). */
  backoff?: BackoffOptions;
  /** Heartbeats come up to this fraction early, so a fleet booted together drifts apart. Default 0.1. */
  jitter?: number;
  rng?: Rng;
  log?: Logger;
}

export interface StopOptions {
  /** Default true: graceful shutdown removes the instance rather than letting its lease lapse. */
  deregister?: boolean;
  /** For the DELETE. Default 2 s. */
  timeoutMs?: number;
}

/** The registry refused the heartbeat as invalid: retrying the same body cannot help. */
export class FatalHeartbeatError extends Error {
  override readonly name = "FatalHeartbeatError";
}

interface Next {
  /** The registry accepted the heartbeat. */
  ok: boolean;
  waitMs: number;
}

/**
 * Keeps one instance registered: a heartbeat at once, then every `heartbeat_interval` with
 * jitter, carrying the local check's status; a status change is sent straight away (the
 * registry lets a change through its rate floor). A registry that fails is retried with
 * backoff behind the client's circuit breaker, forever: only `stop()` or a 400 ends the loop.
 */
export class Heartbeater {
  readonly #client: RegistryClient;
  readonly #service: string;
  readonly #instance: Omit<HeartbeatInput, "status">;
  readonly #check: HealthCheck | undefined;
  readonly #options: HeartbeaterOptions;
  readonly #log: Logger;
  readonly #rng: Rng;
  readonly #backoff: Backoff;
  readonly #sleeper = new Sleeper();
  /** Ends sleeps, the check loop and a running check. */
  readonly #stopSignal = new AbortController();
  /** Cancels a heartbeat still in flight at shutdown, once it has had its chance to finish. */
  readonly #requests = new AbortController();
  #status: Status = "passing";
  #sent: Status | undefined;
  #lease: Lease | undefined;
  #failures = 0;
  #circuitReported = false;
  #inFlight: Promise<Next> | undefined;
  #done: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: HeartbeaterOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#service = options.service;
    this.#instance = options.instance;
    this.#check = options.check;
    this.#log = options.log ?? silentLogger;
    this.#rng = options.rng ?? Math.random;
    const ttl = options.instance.ttl ?? TTL_DEFAULT;
    this.#backoff = new Backoff({
      maxMs: Math.min(ttl, 30) * 1000,
      rng: this.#rng,
      ...options.backoff,
    });
  }

  /** What the last check said (passing before the first one). */
  get status(): Status {
    return this.#status;
  }

  /** The last lease the registry granted. */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /** Starts the loops. Settles when they end: after `stop()`, or rejects on a 400. */
  start(): Promise<void> {
    this.#done ??= this.#run();
    return this.#done;
  }

  /**
   * Stops heartbeating and deregisters. A heartbeat in flight is let finish first (briefly):
   * were it to land after the DELETE it would register the instance again.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options);
    return this.#stopped;
  }

  async #shutdown({ deregister = true, timeoutMs = 2000 }: StopOptions): Promise<void> {
    this.#stopSignal.abort();
    const inFlight = this.#inFlight;
    if (inFlight) {
      const settled = await Promise.race([
        inFlight.then(
          () => true,
          () => true,
        ),
        delay(1000),
      ]);
      if (settled !== true) this.#requests.abort();
    }
    await this.#done?.catch(() => {});
    if (!deregister) return;
    const id = this.#instance.id;
    try {
      await this.#client.deregister(this.#service, id, { signal: AbortSignal.timeout(timeoutMs) });
      this.#log.info(`deregistered ${this.#service}/${id}`);
    } catch (err) {
      const ttl = this.#lease?.ttl ?? this.#instance.ttl ?? TTL_DEFAULT;
      this.#log.warn(
        `could not deregister ${this.#service}/${id} (${message(err)}); its lease lapses within ${ttl}s`,
      );
    }
  }

  get #stopping(): boolean {
    return this.#stopSignal.signal.aborted;
  }

  #intervalMs(): number {
    const seconds =
      this.#lease?.heartbeat_interval ?? heartbeatInterval(this.#instance.ttl ?? TTL_DEFAULT);
    return seconds * 1000;
  }

  async #run(): Promise<void> {
    let checks: Promise<void> | undefined;
    if (this.#check) {
      // Checked before the first heartbeat, so a node that is not ready never shows as passing.
      await this.#runCheck(true);
      checks = this.#checkLoop();
    }
    try {
      await this.#heartbeatLoop();
    } finally {
      this.#stopSignal.abort();
      await checks;
    }
  }

  async #heartbeatLoop(): Promise<void> {
    while (!this.#stopping) {
      this.#inFlight = this.#beat();
      const next = await this.#inFlight;
      this.#inFlight = undefined;
      if (this.#stopping) return;
      // The status changed while the heartbeat was on its way: send the new one now.
      if (next.ok && this.#status !== this.#sent) continue;
      await this.#sleeper.sleep(next.waitMs, this.#stopSignal.signal);
    }
  }

  async #beat(): Promise<Next> {
    const status = this.#status;
    try {
      const { lease, created } = await this.#client.heartbeat(
        this.#service,
        { ...this.#instance, status },
        { signal: this.#requests.signal },
      );
      this.#onAccepted(lease, created, status);
      const waitMs =
        lease.heartbeat_interval * 1000 * (1 - (this.#options.jitter ?? 0.1) * this.#rng());
      return { ok: true, waitMs };
    } catch (err) {
      if (this.#stopping) return { ok: false, waitMs: 0 };
      return { ok: false, waitMs: this.#onRefused(err) };
    }
  }

  #onAccepted(lease: Lease, created: boolean, status: Status): void {
    const name = `${this.#service}/${this.#instance.id}`;
    if (this.#failures > 0) {
      this.#log.info(`registry answered again after ${this.#failures} failed heartbeat(s)`);
    }
    if (created) {
      this.#log.info(
        `registered ${name} at ${this.#instance.address} as ${status} ` +
          `(lease ${lease.ttl}s, heartbeat every ${lease.heartbeat_interval}s)`,
      );
    } else if (this.#sent !== undefined && status !== this.#sent) {
      this.#log.info(`reported ${name} as ${status}`);
    }
    this.#sent = status;
    this.#lease = lease;
    this.#failures = 0;
    this.#circuitReported = false;
    this.#backoff.reset();
  }

  /** How long to wait after a refused or failed heartbeat. */
  #onRefused(err: unknown): number {
    if (err instanceof RegistryError && err.status === 400) {
      throw new FatalHeartbeatError(`the registry refused the heartbeat: ${err.message}`);
    }
    if (err instanceof RegistryError && err.status === 429) {
      // Not a failure: the registry has this heartbeat's content already and says when to come back.
      return (err.retryAfterSeconds ?? 1) * 1000;
    }
    this.#failures += 1;
    if (err instanceof CircuitOpenError) {
      if (!this.#circuitReported) {
        this.#circuitReported = true;
        this.#log.warn(`registry circuit open; next try in ${seconds(err.retryInMs)}s`);
      }
      // Spread the probes of a fleet whose circuits opened together.
      return Math.max(err.retryInMs, 250) * (1 + 0.2 * this.#rng());
    }
    const waitMs = this.#backoff.next();
    const level = err instanceof RegistryError && err.status < 500 ? "error" : "warn";
    this.#log[level](`heartbeat failed: ${message(err)}; retrying in ${seconds(waitMs)}s`);
    return waitMs;
  }

  async #checkLoop(): Promise<void> {
    while (!this.#stopping) {
      await delay(this.#options.checkIntervalMs ?? this.#intervalMs(), this.#stopSignal.signal);
      if (this.#stopping) return;
      await this.#runCheck(false);
    }
  }

  async #runCheck(first: boolean): Promise<void> {
    const check = this.#check;
    if (!check) return;
    const timeoutMs =
      this.#options.checkTimeoutMs ??
      Math.min(5000, this.#options.checkIntervalMs ?? this.#intervalMs());
    const signal = AbortSignal.any([this.#stopSignal.signal, AbortSignal.timeout(timeoutMs)]);
    let result: Awaited<ReturnType<HealthCheck>>;
    try {
      result = await check(signal);
    } catch (err) {
      result = { status: "critical", output: message(err) };
    }
    if (this.#stopping) return;
    if (first) {
      this.#log.info(`health check: ${result.status} (${result.output})`);
    } else if (result.status !== this.#status) {
      this.#log.info(`health check: ${this.#status} -> ${result.status} (${result.output})`);
    }
    if (result.status !== this.#status) {
      this.#status = result.status;
      this.#sleeper.wake();
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
