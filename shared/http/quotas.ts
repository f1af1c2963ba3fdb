import { matchesPattern } from "../auth/scopes.js";
import type { Principal } from "../model/principal.js";
import { Env } from "../settings/names.js";
import type { LiveRegistration, RegistryStore } from "../store/store.js";

/**
 * Caps on live instances per service and per scoped token.
 *
 * A renewal must stay one write with no read, so nothing is counted on it. Live instances
 * cannot be kept in a counter either: an instance that stops heartbeating leaves no event
 * (its lease just lapses), so a counter would only grow. Instead a *creation* (the heartbeat's
 * one write answered "created") is checked after its write, and undone here (a conditional
 * delete of the item just written) when refused.
 *
 * Creations are decided one at a time in a process, each on a fresh read, and a creation does
 * not count the ones written here and still waiting for their turn: those count it when their
 * turn comes. Counting them would make twenty creations racing for five slots each see twenty
 * and all withdraw; deciding one at a time, with refusals undone before the next read, admits
 * exactly the cap.
 *
 * A count kept in the process for `countSeconds` and bumped for each creation made here
 * admits a creation without a read while it leaves room for every creation being decided; a
 * refusal is always decided on a fresh read. Other processes' creations are unseen between
 * reads and are not serialised with ours: across containers the caps are soft by at most what
 * other containers create within `countSeconds`.
 */
export interface QuotaOptions {
  /** 0: no cap. */
  maxPerService: number;
  /** 0: no cap. Applies to scoped tokens and IAM roles; bootstrap admins are exempt. */
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
      cap: typeof Env.MUSTER_MAX_INSTANCES_PER_SERVICE | typeof Env.MUSTER_MAX_INSTANCES_PER_TOKEN;
      limit: number;
    };

/** A creation to decide: its item is written (by `lastSeenMs`'s heartbeat). */
export interface Creation {
  service: string;
  id: string;
  principal: Principal;
  lastSeenMs: number;
}

const keyOf = (service: string, id: string) => `${service}\u0000${id}`;

export class Quotas {
  readonly #store: RegistryStore;
  readonly #options: QuotaOptions;
  readonly #tallies = new Map<string, Tally>();
  #catalog: { names: string[]; at: number } | undefined;
  /** Creations written here and not decided yet. */
  readonly #waiting = new Set<string>();
  /** The decision in progress; the next one starts when it settles. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(store: RegistryStore, options: QuotaOptions) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * Whether a creation (the item is already written) fits under both caps. A refused one is
   * undone before the answer.
   */
  async admitCreation(creation: Creation): Promise<QuotaCheck> {
    const { service, id, principal } = creation;
    // A mapped IAM role counts as a scoped token does: its fleet shares one cap.
    const capToken =
      this.#options.maxPerToken > 0 && (principal.kind === "scoped" || principal.kind === "iam");
    if (this.#options.maxPerService === 0 && !capToken) return { ok: true };
    // A service this process creates in is catalogued from now on, cached catalog or not.
    if (this.#catalog && !this.#catalog.names.includes(service)) this.#catalog.names.push(service);
    const key = keyOf(service, id);
    this.#waiting.add(key);
    const decided = this.#turn.then(() => {
      this.#waiting.delete(key);
      return this.#decide(creation, capToken);
    });
    this.#turn = decided.catch(() => {});
    try {
      return await decided;
    } finally {
      this.#waiting.delete(key);
    }
  }

  async #decide(creation: Creation, capToken: boolean): Promise<QuotaCheck> {
    const { service, id, principal } = creation;
    const { maxPerService, maxPerToken } = this.#options;
    let services = capToken ? await this.#servicesOf(principal, service, false) : [service];
    if (this.#underCapFromMemory(services, service, principal, capToken)) return { ok: true };
    // The count must see every service the token holds instances in, new ones included.
    if (capToken) services = await this.#servicesOf(principal, service, true);

    const nowMs = this.#options.now();
    const lists = await Promise.all(services.map((s) => this.#store.liveRegistrations(s, nowMs)));
    for (const [i, instances] of lists.entries()) {
      this.#remember(services[i] as string, instances, nowMs);
    }
    // Everyone live but this creation and those waiting for their turn here.
    const others = (s: string, regs: LiveRegistration[]) =>
      regs.filter((r) => !(r.id === id && s === service) && !this.#waiting.has(keyOf(s, r.id)));
    const inService = others(service, lists[services.indexOf(service)] ?? []).length;
    const mine = lists
      .flatMap((regs, i) => others(services[i] as string, regs))
      .filter((r) => r.owner === principal.fingerprint).length;
    let verdict: QuotaCheck = { ok: true };
    if (maxPerService > 0 && inService >= maxPerService) {
      verdict = { ok: false, cap: Env.MUSTER_MAX_INSTANCES_PER_SERVICE, limit: maxPerService };
    } else if (capToken && mine >= maxPerToken) {
      verdict = { ok: false, cap: Env.MUSTER_MAX_INSTANCES_PER_TOKEN, limit: maxPerToken };
    }
    if (!verdict.ok) {
      // Undone before the next decision reads, so that it does not count this one.
      this.#tallies.delete(service);
      await this.#store.withdraw(service, id, principal.fingerprint, creation.lastSeenMs);
    }
    return verdict;
  }

  /**
   * Admits from the remembered counts when they leave room for one more (and bumps them);
   * false means "read and count".
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
    // Decisions here are one at a time and each admitted one bumps the count, so the count
    // never falls short of what this process has admitted.
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
   * its prefixes match (the catalog is cached like the counts, and read afresh when `fresh`).
   */
  async #servicesOf(principal: Principal, service: string, fresh: boolean): Promise<string[]> {
    const patterns = principal.services ?? ["*"];
    const exact = patterns.filter((p) => !p.endsWith("*"));
    let names = exact;
    if (exact.length < patterns.length) {
      const now = this.#options.now();
      const stale = !this.#catalog || now - this.#catalog.at >= this.#options.countSeconds * 1000;
      let catalog = this.#catalog;
      if (fresh || stale || !catalog) {
        catalog = { names: await this.#store.serviceNames(), at: now };
        this.#catalog = catalog;
      }
      names = [
        ...exact,
        ...catalog.names.filter((n) => patterns.some((p) => matchesPattern(p, n))),
      ];
    }
    return [...new Set([...names, service])];
  }
}
