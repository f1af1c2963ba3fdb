import type { RegistryStore } from "../store/store.js";

/** How long an alias is kept without a registration renewing it. */
export const ALIAS_DAYS = 30;
const DAY_S = 86_400;

export interface Target {
  service: string;
  id: string;
}

/**
 * Consul's service and check IDs, by owner. Consul's agent finds a check by its ID alone; a
 * registry holds many agents' worth, so a token plays the part of one agent: its service IDs
 * (`svc:<ID>`) and check IDs (`chk:<CheckID>`) name its instances, one store item each
 * (store.ts Alias), kept here once read. A kept alias may be out of date (another process
 * re-registered the ID elsewhere): callers check what it names, and ask again `fresh`.
 */
export class AliasBook {
  readonly #store: RegistryStore;
  readonly #kept = new Map<string, Target>();
  readonly #max: number;

  constructor(store: RegistryStore, maxKept = 10_000) {
    this.#store = store;
    this.#max = maxKept;
  }

  async find(
    owner: string,
    name: string,
    nowMs: number,
    fresh = false,
  ): Promise<Target | undefined> {
    const key = `${owner}\u0000${name}`;
    if (!fresh) {
      const kept = this.#kept.get(key);
      if (kept) return kept;
    }
    const alias = await this.#store.getAlias(owner, name, nowMs);
    if (!alias) {
      this.#kept.delete(key);
      return undefined;
    }
    const target = { service: alias.service, id: alias.id };
    // Still in use half-way through its life: renewed, so a registration that lives longer
    // than ALIAS_DAYS without being made again keeps its IDs.
    if (alias.expiresAt - Math.floor(nowMs / 1000) < (ALIAS_DAYS / 2) * DAY_S) {
      await this.put(owner, name, target, nowMs);
    }
    this.#keep(key, target);
    return target;
  }

  async put(owner: string, name: string, target: Target, nowMs: number): Promise<void> {
    await this.#store.putAlias({
      owner,
      name,
      ...target,
      expiresAt: Math.floor(nowMs / 1000) + ALIAS_DAYS * DAY_S,
    });
    this.#keep(`${owner}\u0000${name}`, target);
  }

  async remove(owner: string, name: string): Promise<void> {
    this.#kept.delete(`${owner}\u0000${name}`);
    await this.#store.deleteAlias(owner, name);
  }

  #keep(key: string, target: Target): void {
    this.#kept.delete(key);
    if (this.#kept.size >= this.#max) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
    this.#kept.set(key, target);
  }
}

export const serviceAlias = (serviceId: string) => `svc:${serviceId}`;
export const checkAlias = (checkId: string) => `chk:${checkId}`;
