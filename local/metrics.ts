import type { Hono } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { TokenVerifier } from "../shared/auth/tokens.js";
import type { AppEvent } from "../shared/http/app-event.js";
import { presentedToken } from "../shared/http/auth.js";
import type { AppEnv } from "../shared/http/env.js";
import { ApiError } from "../shared/http/errors.js";
import { passMetrics } from "../shared/reconcile/metrics.js";
import type { PassReport } from "../shared/reconcile/pass-record.js";
import type { ReconcilerSettings } from "../shared/settings/reconciler.js";
import { STORE_METHOD_NAMES } from "../shared/store/methods.js";
import type { Store } from "../shared/store/store.js";
import { wrapMethods } from "../shared/store/wrap-methods.js";

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

  /** `public`: MUSTER_METRICS_PUBLIC, /metrics open to anyone; else any valid token. */
  constructor(readonly options: { public: boolean; now?: () => number }) {
    collectDefaultMetrics({ register: this.registry, prefix: "muster_process_" });
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
    const gauge = (name: string, help: string, pick: "instances" | "passing") =>
      new Gauge({
        name,
        help,
        labelNames: ["service"],
        registers: [this.registry],
        async collect() {
          this.reset();
          // A store that does not answer leaves the gauge empty: the scrape still succeeds and
          // muster_store_seconds shows the failure's latency.
          const services = await store.services(now()).catch(() => []);
          for (const s of services) this.set({ service: s.name }, s[pick]);
        },
      });
    gauge("muster_live_instances", "Live instances, by service.", "instances");
    gauge("muster_passing_instances", "Live passing instances, by service.", "passing");
    return timed;
  }

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
      this.passes.inc({ source: m.source });
      if (m.value > 0) this.passErrors.inc({ source: m.source }, m.value);
    }
  }

  /** `GET /metrics` on the app: any valid token, or anyone when public. */
  mount(app: Hono<AppEnv>, tokens: TokenVerifier): void {
    app.get("/metrics", async (c) => {
      if (!this.options.public) {
        const token = presentedToken(c);
        const principal = token === undefined ? undefined : await tokens.verify(token);
        if (!principal) {
          throw new ApiError(
            401,
            "unauthorized",
            token === undefined ? "missing bearer token" : "invalid token",
            undefined,
            { "WWW-Authenticate": 'Bearer realm="muster"' },
          );
        }
      }
      return c.body(await this.registry.metrics(), 200, {
        "Content-Type": this.registry.contentType,
        "Cache-Control": "no-store",
      });
    });
  }
}
