import { matchesPattern } from "../auth/scopes.js";
import type { Principal } from "../auth/tokens.js";
import type { LiveRegistration, Store } from "../store/store.js";

/**
 * Caps on live instances per service and per scoped token.
 *
 * A renewal must stay one write with no read, so nothing is counted on it. Live instances
 * cannot be kept in a counter either: an instance that stops heartbeating leaves no event
 * (its lease just lapses), so a counter would only grow. Instead a *creation* (the heartbeat's
 * one write answered "created") is checked after its write, and undone (a conditional delete
 * of the item just written) when refused.
 *
 * The check is a rank, not a count: a creation is admitted when fewer than `cap` live
 * instances come before it in registration order (`registered_at`, then id). Every creation
 * ranks the same instances the same way, so concurrent creations agree on who is in: with a
 * count, twenty creations racing for five slots would each see twenty and all withdraw. The
 * earliest-ranked refused creation only ever sees instances ranked before it, all of them
 * admitted, so exactly `cap` remain.
 *
 * A count of live instances, kept in the process for `countSeconds` and bumped for each
 * creation made here, admits a creation without a read while it is clearly under the cap; a
 * refusal is always decided on a fresh read. Between reads other processes' creations are
 * unseen: the caps are soft by at most what other containers create within `countSeconds`.
 */
export interface QuotaOptions {
  /** 0: no cap. */
  maxPerService: number;
  /** 0: no cap. Applies to scoped tokens; bootstrap admins are exempt. */
  maxPerToken: number;
  /** How long a count is reused for creations that it admits. */
  countSeconds: number;
  now: () => number;
}

interface Tally {
  total: number;
  byOwner: Map<string, number>;
  at: number;
}

export type QuotaCheck =
  | { ok: true }
  | {
      ok: false;
      cap: "MUSTER_MAX_INSTANCES_PER_SERVICE" | "MUSTER_MAX_INSTANCES_PER_TOKEN";
      limit: number;
    };

/** Registration order: earlier `registered_at` first, then id (then service) on a tie. */
function before(a: LiveRegistration, b: LiveRegistration): boolean {
  if (a.registeredAtMs !== b.registeredAtMs) return a.registeredAtMs < b.registeredAtMs;
  if (a.id !== b.id) return a.id < b.id;
  return a.service < b.service;
}

export class Quotas {
  readonly #store: Store;
  readonly #options: QuotaOptions;
  readonly #tallies = new Map<string, Tally>();
  #catalog: { names: string[]; at: number } | undefined;

  constructor(store: Store, options: QuotaOptions) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * After the creation of `id` by `principal` in `service` (the item is already written):
   * whether it fits under both caps. A refused creation must be undone by the caller.
   */
  async admitCreation(service: string, id: string, principal: Principal): Promise<QuotaCheck> {
    const { maxPerService, maxPerToken } = this.#options;
    const capToken = maxPerToken > 0 && principal.kind === "scoped";
    if (maxPerService === 0 && !capToken) return { ok: true };
    const services = capToken ? await this.#servicesOf(principal, service) : [service];
    if (this.#underCapFromMemory(services, service, principal, capToken)) return { ok: true };

    const nowMs = this.#options.now();
    const lists = await Promise.all(services.map((s) => this.#store.liveRegistrations(s, nowMs)));
    for (const [i, instances] of lists.entries()) {
      this.#remember(services[i] as string, instances, nowMs);
    }
    const own = lists[services.indexOf(service)]?.find((x) => x.id === id);
    // Already withdrawn or replaced by another heartbeat in between: nothing of ours to rank.
    if (!own || own.owner !== principal.fingerprint) return { ok: true };

    let verdict: QuotaCheck = { ok: true };
    const inService = (lists[services.indexOf(service)] ?? []).filter((x) => before(x, own));
    const mine = lists.flat().filter((x) => x.owner === own.owner);
    if (maxPerService > 0 && inService.length >= maxPerService) {
      verdict = { ok: false, cap: "MUSTER_MAX_INSTANCES_PER_SERVICE", limit: maxPerService };
    } else if (capToken && mine.filter((x) => before(x, own)).length >= maxPerToken) {
      verdict = { ok: false, cap: "MUSTER_MAX_INSTANCES_PER_TOKEN", limit: maxPerToken };
    }
    // The caller undoes a refused creation; the next creation reads again.
    if (!verdict.ok) this.#tallies.delete(service);
    return verdict;
  }

  /**
   * Admits from the remembered counts when they leave room for one more (and bumps them);
   * false means "read and rank".
   */
  #underCapFromMemory(
    services: string[],
    service: string,
    principal: Principal,
    capToken: boolean,
  ): boolean {
    const now = this.#options.now();
    const tallies = services.map((s) => this.#tallies.get(s));
    const fresh = (t: Tally | undefined): t is Tally =>
      t !== undefined && now - t.at < this.#options.countSeconds * 1000;
    if (!tallies.every(fresh)) return false;
    const own = tallies[services.indexOf(service)] as Tally;
    const { maxPerService, maxPerToken } = this.#options;
    if (maxPerService > 0 && own.total + 1 > maxPerService) return false;
    const mine = tallies.reduce((n, t) => n + (t.byOwner.get(principal.fingerprint) ?? 0), 0);
    if (capToken && mine + 1 > maxPerToken) return false;
    own.total++;
    own.byOwner.set(principal.fingerprint, (own.byOwner.get(principal.fingerprint) ?? 0) + 1);
    return true;
  }

  #remember(service: string, instances: LiveRegistration[], at: number): void {
    const byOwner = new Map<string, number>();
    for (const { owner } of instances) byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
    this.#tallies.set(service, { total: instances.length, byOwner, at });
  }

  /**
   * The services a token's instances may be in: its exact names and the catalogued services
   * its prefixes match (the catalog is cached like the counts).
   */
  async #servicesOf(principal: Principal, service: string): Promise<string[]> {
    const patterns = principal.services ?? ["*"];
    const exact = patterns.filter((p) => !p.endsWith("*"));
    let names = exact;
    if (exact.length < patterns.length) {
      const now = this.#options.now();
      if (!this.#catalog || now - this.#catalog.at >= this.#options.countSeconds * 1000) {
        this.#catalog = { names: await this.#store.serviceNames(), at: now };
      }
      names = [
        ...exact,
        ...this.#catalog.names.filter((n) => patterns.some((p) => matchesPattern(p, n))),
      ];
    }
    return [...new Set([...names, service])];
  }
}
