import type { z } from "zod";
import type { heartbeatBody, Lease } from "../../shared/model/heartbeat.js";
import type { Instance } from "../../shared/model/instance.js";
import type { StatusFilter } from "../../shared/model/query.js";
import {
  type AwsCredentials,
  type CredentialProvider,
  defaultCredentials,
} from "../aws/credentials.js";
import { RequestSigner } from "../aws/sigv4.js";
import { type Balancer, RoundRobin } from "../balancers/index.js";
import { TtlCache } from "./cache.js";
import { type BreakerOptions, CircuitBreaker } from "./circuit-breaker.js";
import { type HttpAnswer, isRegistryDown, send, UnreachableError } from "./http.js";
import { type TokenSource, withAuth } from "./request-auth.js";
import { type InstancesRead, type Watcher, type WatchOptions, watchService } from "./watch.js";

/** A heartbeat as a caller writes it: the server fills the defaults (docs/api.md). */
export type HeartbeatInput = z.input<typeof heartbeatBody>;

export type { TokenSource } from "./request-auth.js";

export interface RegistryClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8787` or an API stage `https://…/prod`. */
  registry: string;
  token?: TokenSource;
  /**
   * Sign every request with SigV4 under AWS credentials, for a registry's Lambda function URL
   * (AuthType AWS_IAM): `true` for the default chain (environment, web identity, container,
   * EC2 instance profile; agent/aws/credentials.ts), or your own provider — any of the AWS
   * SDK's (`fromNodeProviderChain()`) fits. `region` defaults to the function URL's.
   */
  aws?: true | { credentials?: CredentialProvider | AwsCredentials; region?: string };
  /** A signer made already (the CLI's `--aws-iam`); wins over `aws`. */
  signer?: RequestSigner;
  /** Per request, body included. Default 5 s. */
  timeoutMs?: number;
  /**
   * How long `discover` serves an answer without asking. Default 10 s: a change reaches a
   * caller within that, and a busy caller asks at most every 10 s per service.
   */
  cacheTtlMs?: number;
  /** How long past that a last good answer is served when the registry is down. Default: ever. */
  maxStaleMs?: number;
  /** For `resolve`. Default round-robin. */
  balancer?: Balancer;
  breaker?: CircuitBreaker | BreakerOptions;
  fetch?: typeof fetch;
}

export interface DiscoverOptions {
  /** Default: every live instance, critical ones too (the registry's own default). */
  status?: StatusFilter;
  /** An instance must carry every one. */
  tags?: string[];
  signal?: AbortSignal;
}

/** One item's fate in a batch: a lease (200/201) or the error the single request would get. */
export interface BatchResult {
  status: number;
  body: Lease | { error: { code: string; message: string } };
  retry_after?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** The breaker is open: the registry failed recently and is not asked again until `retryInMs`. */
export class CircuitOpenError extends Error {
  override readonly name = "CircuitOpenError";
  constructor(readonly retryInMs: number) {
    super(`registry circuit open; next try in ${Math.ceil(retryInMs / 1000)}s`);
  }
}

/** `resolve` found nothing to pick. */
export class NoInstanceError extends Error {
  override readonly name = "NoInstanceError";
}

/**
 * The registry's v1 API for a node or a client: register, deregister, discover, watch,
 * resolve. One client is one registry: its circuit breaker and cache are shared by every call
 * made through it.
 */
export class RegistryClient {
  readonly #base: string;
  readonly #token: TokenSource | undefined;
  readonly #signer: RequestSigner | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;
  readonly #cache: TtlCache<Instance[]>;
  readonly breaker: CircuitBreaker;
  readonly balancer: Balancer;

  constructor(options: RegistryClientOptions) {
    const url = new URL(options.registry);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`registry must be an http or https URL, not ${url.protocol}`);
    }
    // Kept as a string prefix so that a path (an API stage) survives; URL resolution would drop it.
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    this.#token = options.token;
    if (options.signer) {
      this.#signer = options.signer;
    } else if (options.aws) {
      const aws = options.aws === true ? {} : options.aws;
      const given = aws.credentials;
      this.#signer = new RequestSigner({
        credentials:
          given === undefined
            ? defaultCredentials(process.env)
            : typeof given === "function"
              ? given
              : async () => given,
        ...(aws.region ? { region: aws.region } : {}),
      });
    }
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch;
    this.#cache = new TtlCache({
      ttlMs: options.cacheTtlMs ?? 10_000,
      maxStaleMs: options.maxStaleMs,
    });
    this.breaker =
      options.breaker instanceof CircuitBreaker
        ? options.breaker
        : new CircuitBreaker(options.breaker);
    this.balancer = options.balancer ?? new RoundRobin();
  }

  /** Registers or renews (one endpoint does both) and says which it was. */
  async heartbeat(
    service: string,
    instance: HeartbeatInput,
    options: RequestOptions = {},
  ): Promise<{ lease: Lease; created: boolean }> {
    const answer = await this.#call(
      "POST",
      `/v1/services/${enc(service)}/heartbeats`,
      { "Content-Type": "application/json" },
      JSON.stringify(instance),
      options.signal,
    );
    return { lease: JSON.parse(answer.text) as Lease, created: answer.status === 201 };
  }

  /**
   * Renews (or registers) every instance a host runs in one request (`POST /v1/heartbeats`, at
   * most 100): one result per item, in order, each what the single heartbeat would have
   * answered (`status`, `body`, `retry_after`).
   */
  async heartbeatBatch(
    items: (HeartbeatInput & { service: string })[],
    options: RequestOptions = {},
  ): Promise<BatchResult[]> {
    const answer = await this.#call(
      "POST",
      "/v1/heartbeats",
      { "Content-Type": "application/json" },
      JSON.stringify({ heartbeats: items }),
      options.signal,
    );
    return (JSON.parse(answer.text) as { results: BatchResult[] }).results;
  }

  /** One heartbeat. Keep calling it every `heartbeat_interval`, or use `Heartbeater`. */
  async register(
    service: string,
    instance: HeartbeatInput,
    options: RequestOptions = {},
  ): Promise<Lease> {
    return (await this.heartbeat(service, instance, options)).lease;
  }

  /**
   * Removes the instance; absent is fine (idempotent). Always tried, open circuit or not: it
   * runs at shutdown, when one last attempt is worth more than the breaker's caution.
   */
  async deregister(service: string, id: string, options: RequestOptions = {}): Promise<void> {
    await this.#call(
      "DELETE",
      `/v1/services/${enc(service)}/instances/${enc(id)}`,
      {},
      undefined,
      options.signal,
      false,
    );
  }

  /**
   * Live instances. A fresh cached answer is served as it is; a stale one is revalidated with
   * If-None-Match (a 304 costs no body); when the registry is down or the circuit is open the
   * last good answer is served instead of an error.
   */
  async discover(service: string, options: DiscoverOptions = {}): Promise<Instance[]> {
    const path = instancesPath(service, options);
    const hit = this.#cache.get(path);
    if (hit?.fresh) return hit.value;
    let answer: InstancesRead;
    try {
      answer = await this.readInstances(path, hit?.etag, options.signal);
    } catch (err) {
      if (hit && (isRegistryDown(err) || err instanceof CircuitOpenError)) return hit.value;
      throw err;
    }
    if (answer.notModified && hit) {
      this.#cache.touch(path);
      return hit.value;
    }
    if (answer.notModified) {
      // Only an intermediary gets here (no ETag was sent, or the entry was evicted meanwhile).
      throw new UnreachableError(`GET ${path}: 304 with no cached answer to reuse`);
    }
    this.#cache.set(path, answer.instances, answer.etag);
    return answer.instances;
  }

  /** One conditional GET of an instances path (from `instancesPath`); no cache involved. */
  async readInstances(
    path: string,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<InstancesRead> {
    const headers: Record<string, string> = etag ? { "If-None-Match": etag } : {};
    const answer = await this.#call("GET", path, headers, undefined, signal);
    if (answer.status === 304) return { notModified: true };
    const body = JSON.parse(answer.text) as { instances: Instance[] };
    return {
      notModified: false,
      instances: body.instances,
      etag: answer.headers.get("etag") ?? undefined,
    };
  }

  /**
   * Calls back with the instances now, then once each time they really change. Polls with
   * If-None-Match; see `watchService` for what counts as a change.
   */
  watch(
    service: string,
    callback: (instances: Instance[]) => void | Promise<void>,
    options: WatchOptions = {},
  ): Watcher {
    return watchService(this, instancesPath(service, options), callback, options);
  }

  /**
   * One instance through the balancer: among passing ones, or warning ones when none passes
   * (as SRV priorities order them); never a critical one. Call `release` when done with it if
   * the balancer counts connections.
   */
  async resolve(service: string, options: Omit<DiscoverOptions, "status"> = {}): Promise<Instance> {
    const live = await this.discover(service, options);
    const passing = live.filter((i) => i.status === "passing");
    const candidates = passing.length > 0 ? passing : live.filter((i) => i.status === "warning");
    const picked = this.balancer.pick(candidates);
    if (!picked) throw new NoInstanceError(`no passing or warning instance of ${service}`);
    return picked;
  }

  release(instance: Instance): void {
    this.balancer.release(instance);
  }

  async #call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
    useBreaker = true,
  ): Promise<HttpAnswer> {
    if (useBreaker && !this.breaker.tryAcquire()) {
      throw new CircuitOpenError(this.breaker.retryInMs());
    }
    const url = `${this.#base}${path}`;
    let allHeaders: Record<string, string>;
    try {
      allHeaders = await withAuth(
        { token: this.#token, signer: this.#signer },
        { method, url, headers, body },
      );
    } catch (err) {
      // No credentials to sign with (instance metadata unreachable, say): the registry was
      // never asked, so this says nothing about it.
      if (useBreaker) this.breaker.release();
      throw err;
    }
    try {
      const answer = await send(url, {
        method,
        headers: allHeaders,
        body,
        timeoutMs: this.#timeoutMs,
        signal,
        fetch: this.#fetch,
      });
      if (useBreaker) this.breaker.onSuccess();
      return answer;
    } catch (err) {
      if (useBreaker) {
        if (isRegistryDown(err)) this.breaker.onFailure();
        else if (signal?.aborted) this.breaker.release();
        // Any other refusal (401, 409, 429…) means the registry is up and answering.
        else this.breaker.onSuccess();
      }
      throw err;
    }
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** The `/instances` path with its filters, which is also the cache key. */
export function instancesPath(
  service: string,
  options: Pick<DiscoverOptions, "status" | "tags">,
): string {
  const query = new URLSearchParams();
  if (options.status) query.set("status", options.status);
  for (const tag of options.tags ?? []) query.append("tag", tag);
  const qs = query.toString();
  return `/v1/services/${enc(service)}/instances${qs ? `?${qs}` : ""}`;
}
