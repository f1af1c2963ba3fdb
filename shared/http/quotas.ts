import { matchesPattern } from "../auth/scopes.js";
import type { Principal } from "../auth/tokens.js";
import type { Store } from "../store/store.js";

/**
 * Caps on live instances per service and per scoped token.
 *
 * A renewal must stay one write with no read, so nothing is counted on it. Live instances
 * cannot be kept in a counter either: an instance that stops heartbeating leaves no event
 * (its lease just lapses), so a counter would only grow. Instead a *creation* (the heartbeat's
 * one write answered "created") is checked against a count of live instances — one keys-only
 * query of the service's shards — kept in the process for `countSeconds` and bumped for each
 * creation made here. A refusal is always decided on a fresh count, never a cached one, and
 * undoes the creation (a conditional delete of the item just written). Between counts, other
 * processes' creations are unseen: the caps are soft by at most what other containers create
 * within `countSeconds`.
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

/** A tally, and whether it was counted by this call (after the write) or taken from memory. */
interface Counted {
  tally: Tally;
  fresh: boolean;
}

export type QuotaCheck =
  | { ok: true }
  | {
      ok: false;
      cap: "MUSTER_MAX_INSTANCES_PER_SERVICE" | "MUSTER_MAX_INSTANCES_PER_TOKEN";
      limit: number;
    };

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
   * After a creation by `principal` in `service` (the item is already written): whether it fits
   * under both caps. A refused creation must be undone by the caller.
   */
  async admitCreation(service: string, principal: Principal): Promise<QuotaCheck> {
    const { maxPerService, maxPerToken } = this.#options;
    const capToken = maxPerToken > 0 && principal.kind === "scoped";
    if (maxPerService === 0 && !capToken) return { ok: true };
    const services = capToken ? await this.#servicesOf(principal, service) : [service];

    const evaluate = async (force: boolean) => {
      const got = await Promise.all(services.map((s) => this.#tally(s, force)));
      // A count made after the write holds the new instance; a cached one does not yet.
      const plus = (g: Counted, s: string) => (s === service && !g.fresh ? 1 : 0);
      const own = got[services.indexOf(service)] as Counted;
      const inService = own.tally.total + plus(own, service);
      const mine = got.reduce(
        (n, g, i) =>
          n + (g.tally.byOwner.get(principal.fingerprint) ?? 0) + plus(g, services[i] as string),
        0,
      );
      let verdict: QuotaCheck = { ok: true };
      if (maxPerService > 0 && inService > maxPerService) {
        verdict = { ok: false, cap: "MUSTER_MAX_INSTANCES_PER_SERVICE", limit: maxPerService };
      } else if (capToken && mine > maxPerToken) {
        verdict = { ok: false, cap: "MUSTER_MAX_INSTANCES_PER_TOKEN", limit: maxPerToken };
      }
      return { verdict, own };
    };

    let { verdict, own } = await evaluate(false);
    // Refuse only on a fresh count: a cached one may still hold instances that have lapsed.
    if (!verdict.ok && !own.fresh) ({ verdict, own } = await evaluate(true));
    if (!verdict.ok) {
      // The caller undoes the creation; the next creation counts again.
      this.#tallies.delete(service);
    } else if (!own.fresh) {
      own.tally.total++;
      own.tally.byOwner.set(
        principal.fingerprint,
        (own.tally.byOwner.get(principal.fingerprint) ?? 0) + 1,
      );
    }
    return verdict;
  }

  async #tally(service: string, force: boolean): Promise<Counted> {
    const now = this.#options.now();
    const cached = this.#tallies.get(service);
    if (!force && cached && now - cached.at < this.#options.countSeconds * 1000) {
      return { tally: cached, fresh: false };
    }
    const byOwner = await this.#store.liveOwners(service, now);
    const total = [...byOwner.values()].reduce((a, b) => a + b, 0);
    const tally = { total, byOwner, at: now };
    this.#tallies.set(service, tally);
    return { tally, fresh: true };
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
