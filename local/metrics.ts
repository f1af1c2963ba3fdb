import type { Context, Hono } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { allows } from "../shared/auth/scopes.js";
import type { TokenVerifier } from "../shared/auth/tokens.js";
import type { AppEvent } from "../shared/http/app-event.js";
import { presentedToken } from "../shared/http/auth.js";
import type { AppEnv } from "../shared/http/env.js";
import { ApiError } from "../shared/http/errors.js";
import { TokenBuckets } from "../shared/http/rate-limit.js";
import { type MetricSource, passMetrics } from "../shared/reconcile/metrics.js";
import type { PassReport } from "../shared/reconcile/pass-record.js";
import type { ReconcilerSettings } from "../shared/settings/reconciler.js";
import type { DamagedRecord } from "../shared/store/decode-record.js";
import { STORE_METHOD_NAMES } from "../shared/store/methods.js";
import type { Store } from "../shared/store/store.js";
import { wrapMethods } from "../shared/store/wrap-methods.js";
import { clientKey } from "./connection-guard.js";
import { ServiceSeries } from "./service-series.js";

/** Scrapes per caller: Prometheus scrapes every 15 s or more; a burst covers a few at once. */
const SCRAPE_RATE = { ratePerSecond: 1, burst: 5 };

/** The TCP peer's address, when the request came over Node's HTTP servers. */
function remoteAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/**
 * Local mode's Prometheus metrics (on Lambda they are CloudWatch EMF). prom-client writes the
 * exposition format; this file only decides what is counted.
 */
export class LocalMetrics {
  readonly registry = new Registry();
  private readonly heartbeats = new Counter({
    name: "muster_heartbeats_total",
    help: "Heartbeats accepted.",
    registers: [this.registry],
  });
  private readonly deregistrations = new Counter({
    name: "muster_deregistrations_total",
    help: "Instances deregistered by their owner.",
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: "muster_refusals_total",
    help: "Requests refused, by error code and HTTP status.",
    labelNames: ["code", "status"],
    registers: [this.registry],
  });
  private readonly storeSeconds = new Histogram({
    name: "muster_store_seconds",
    help: "Store calls, by operation.",
    labelNames: ["operation"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly passes = new Counter({
    name: "muster_reconcile_passes_total",
    help: "Reconcile passes, by source.",
    labelNames: ["source"],
    registers: [this.registry],
  });
  private readonly passErrors = new Counter({
    name: "muster_reconcile_errors_total",
    help: "Reconcile passes in which a source failed or was held back, by source.",
    labelNames: ["source"],
    registers: [this.registry],
  });

  private readonly damaged = new Counter({
    name: "muster_damaged_records_total",
    help: "Stored records found not to decode (a damaged file), left out of answers, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });

  /** The per-service gauges, once the store is instrumented. */
  #series: ServiceSeries | undefined;
  /** Scrapes per caller (token, or address when anonymous). */
  readonly #scrapes: TokenBuckets;

  /** `public`: MUSTER_METRICS_PUBLIC, /metrics open to anyone; else any valid token. */
  constructor(readonly options: { public: boolean; now?: () => number }) {
    collectDefaultMetrics({ register: this.registry, prefix: "muster_process_" });
    this.#scrapes = new TokenBuckets({ ...SCRAPE_RATE, now: options.now ?? Date.now });
  }

  /** The store with every call timed; `live` reads the instance counts through it at scrape. */
  instrument(store: Store): Store {
    const histogram = this.storeSeconds;
    const timed = wrapMethods(store, STORE_METHOD_NAMES, (name, method) => {
      // The labelled child once per method, with its wrapper.
      const child = histogram.labels({ operation: name });
      return (...args: unknown[]) => {
        const end = child.startTimer();
        const result = method(...args);
        if (result instanceof Promise) return result.finally(() => end());
        end();
        return result;
      };
    });
    const now = this.options.now ?? Date.now;
    this.#series = new ServiceSeries(() => timed.services(now()), now);
    return timed;
  }

  /** `muster_waiting_reads`: the reads held open (`?wait=`) right now, as `count` says. */
  countWaiting(count: () => number): void {
    new Gauge({
      name: "muster_waiting_reads",
      help: "Reads held open (?wait=) right now.",
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  /** For the store's `onDamaged`: one record found damaged and quarantined. */
  readonly countDamaged = (record: DamagedRecord): void => {
    this.damaged.inc({ kind: record.kind });
  };

  /** For createApp's `onEvent`. A new kind of event fails to compile here until it is counted. */
  readonly onEvent = (event: AppEvent): void => {
    switch (event) {
      case "heartbeat":
        this.heartbeats.inc();
        return;
      case "deregistration":
        this.deregistrations.inc();
        return;
      case "store_unavailable":
        this.refusals.inc({ code: "store_unavailable", status: "503" });
        return;
      default:
        event satisfies never;
    }
  };

  /** For createApp's `onRefusal`. */
  readonly onRefusal = (code: string, status: number): void => {
    this.refusals.inc({ code, status: String(status) });
  };

  /** Counts one reconcile pass per configured source, and its errors as passMetrics sees them. */
  countPass(config: ReconcilerSettings, report: PassReport | undefined): void {
    for (const m of passMetrics(config, report, 0)) {
      if (m.name !== "SourceErrors" || !m.source) continue;
      this.countSourcePass(m.source, m.value > 0);
    }
  }

  /** One pass (or, for a watched source, one sync) of a source, failed or held back or not. */
  countSourcePass(source: MetricSource, failed: boolean): void {
    this.passes.inc({ source });
    if (failed) this.passErrors.inc({ source });
  }

  /**
   * `GET /metrics` on the app: any valid token, or anyone when public. The process's series
   * go to every caller; the per-service ones only for the services the caller may read (an
   * admin token: all; a scoped token: its services; anyone: the public ones). A caller may
   * scrape once a second, with a burst of 5 (429 with Retry-After past it).
   */
  mount(app: Hono<AppEnv>, tokens: TokenVerifier, publicServices: ReadonlySet<string>): void {
    app.get("/metrics", async (c) => {
      const token = presentedToken(c);
      const presented = token !== undefined || c.req.header("authorization") !== undefined;
      const principal = token === undefined ? undefined : await tokens.verify(token);
      if (!principal && (!this.options.public || presented)) {
        throw new ApiError(
          401,
          "unauthorized",
          token === undefined ? "missing bearer token" : "invalid token",
          undefined,
          { "WWW-Authenticate": 'Bearer realm="muster"' },
        );
      }
      const caller = principal?.fingerprint ?? `address:${clientKey(remoteAddress(c))}`;
      const taken = this.#scrapes.take(caller);
      if (!taken.ok) {
        throw new ApiError(
          429,
          "rate_limited",
          `/metrics at most once a second per caller; retry in ${taken.retryAfterSeconds}s`,
          undefined,
          { "Retry-After": String(taken.retryAfterSeconds) },
        );
      }
      const visible = (service: string) =>
        publicServices.has(service) ||
        (principal !== undefined && allows(principal, "read", service));
      const perService = (await this.#series?.render(visible)) ?? "";
      return c.body(`${await this.registry.metrics()}\n${perService}`, 200, {
        "Content-Type": this.registry.contentType,
        "Cache-Control": "no-store",
      });
    });
  }
}
