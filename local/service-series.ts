import { Gauge, Registry } from "prom-client";
import type { ServiceSummary } from "../shared/store/store.js";

/** How long one count of every service serves every scrape: a scrape costs the store at most this often. */
const COUNT_MAX_AGE_MS = 1000;

/**
 * `muster_live_instances` and `muster_passing_instances`, by service, rendered per scrape with
 * only the services the scraper may read: a service's name and size are the registry's data,
 * not the process's. The counts come from one `services()` read shared by every scrape within
 * a second, so many scrapers cost the store no more than one.
 */
export class ServiceSeries {
  readonly #count: () => Promise<ServiceSummary[]>;
  readonly #now: () => number;
  #last: { at: number; services: Promise<ServiceSummary[]> } | undefined;

  constructor(count: () => Promise<ServiceSummary[]>, now: () => number = Date.now) {
    this.#count = count;
    this.#now = now;
  }

  /** The two gauges in the exposition format, for the services `visible` lets through. */
  async render(visible: (service: string) => boolean): Promise<string> {
    const now = this.#now();
    if (!this.#last || now - this.#last.at >= COUNT_MAX_AGE_MS || now < this.#last.at) {
      // A store that does not answer leaves the gauges empty: the scrape still succeeds and
      // muster_store_seconds shows the failure's latency.
      this.#last = { at: now, services: this.#count().catch(() => []) };
    }
    const services = (await this.#last.services).filter((s) => visible(s.name));
    const registry = new Registry();
    const gauge = (name: string, help: string, pick: "instances" | "passing") => {
      const g = new Gauge({ name, help, labelNames: ["service"], registers: [registry] });
      for (const s of services) g.set({ service: s.name }, s[pick]);
    };
    gauge("muster_live_instances", "Live instances, by service.", "instances");
    gauge("muster_passing_instances", "Live passing instances, by service.", "passing");
    return registry.metrics();
  }
}
