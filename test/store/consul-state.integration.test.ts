import { describe, expect, it } from "vitest";
import type { InstanceFields } from "../../shared/model/instance.js";
import type { StoredCheck } from "../../shared/store/checks.js";
import type { CheckedInput, Store } from "../../shared/store/store.js";
import { engines } from "../engines/index.js";
import { freshStorage } from "../support/stores.js";

/**
 * What the Consul API keeps in the store (store.ts: putChecked, the change index, aliases,
 * watch claims), the same on every engine: these are the ports both engines implement.
 */
const NOW = 1_800_000_000_000;
const OWNER = "tok_aaaaaaaaaaaaaaaa";
const OTHER = "tok_bbbbbbbbbbbbbbbb";

const fields = (status: InstanceFields["status"] = "passing"): InstanceFields => ({
  address: "10.0.0.5:8080",
  direct_addresses: [],
  relay_url: null,
  iroh_node_id: null,
  cluster_node_id: null,
  tags: ["primary"],
  metadata: { version: "1" },
  version: null,
  weight: 1,
  status,
});

const check = (overrides: Partial<StoredCheck> = {}): StoredCheck => ({
  check_id: "service:web-1",
  name: "Service 'web' check",
  status: "passing",
  output: "",
  notes: "",
  ttl_ms: 10_000,
  deadline: NOW + 10_000,
  critical_since: null,
  deregister_after_ms: null,
  ...overrides,
});

const checked = (overrides: Partial<CheckedInput> = {}): CheckedInput => ({
  service: "web",
  id: "web-1",
  fields: fields(),
  checks: [check()],
  owner: OWNER,
  source: "consul",
  leaseEndMs: NOW + 3_600_000,
  registeredAtMs: NOW,
  expect: undefined,
  raisesIndex: true,
  nowMs: NOW,
  ...overrides,
});

const heartbeat = (
  store: Store,
  nowMs: number,
  status: InstanceFields["status"] = "passing",
  id = "hb-1",
) =>
  store.heartbeat({
    service: "web",
    id,
    fields: fields(status),
    ttl: 30,
    owner: OWNER,
    source: "heartbeat",
    nowMs,
  });

describe.each(engines())("the Consul API's state on $name", (engine) => {
  it("writes an instance with its checks only where nothing lives, then only over what it read", async () => {
    const { store } = await freshStorage(engine);
    expect(await store.putChecked(checked())).toBe("written");
    expect(await store.putChecked(checked())).toBe("moved");
    const record = await store.record("web", "web-1", NOW);
    expect(record).toMatchObject({
      owner: OWNER,
      source: "consul",
      last_seen: NOW,
      status_until: NOW + 10_000,
    });
    expect(record?.checks).toEqual([check()]);
    const later = NOW + 1_000;
    expect(
      await store.putChecked(
        checked({
          expect: { lastSeenMs: NOW },
          nowMs: later,
          checks: [check({ deadline: later + 10_000 })],
        }),
      ),
    ).toBe("written");
    // The item as read is gone: a second writer that read the same one is refused.
    expect(await store.putChecked(checked({ expect: { lastSeenMs: NOW }, nowMs: later + 1 }))).toBe(
      "moved",
    );
    expect(
      await store.putChecked(
        checked({ expect: { lastSeenMs: later }, owner: OTHER, nowMs: later + 1 }),
      ),
    ).toBe("moved");
  });

  it("serves a checked instance critical once its first TTL runs out, in lists, reads and counts", async () => {
    const { store } = await freshStorage(engine);
    await store.putChecked(
      checked({ checks: [check(), check({ check_id: "b", deadline: NOW + 20_000 })] }),
    );
    const before = await store.get("web", "web-1", NOW + 9_999);
    expect(before?.status).toBe("passing");
    expect(before?.checks?.map((c) => c.status)).toEqual(["passing", "passing"]);
    expect((await store.services(NOW + 9_999))[0]).toMatchObject({
      name: "web",
      instances: 1,
      passing: 1,
    });
    const after = (await store.list("web", NOW + 10_000))[0];
    expect(after?.status).toBe("critical");
    expect(after?.checks?.map((c) => [c.status, c.output])).toEqual([
      ["critical", "TTL expired"],
      ["passing", ""],
    ]);
    expect((await store.services(NOW + 10_000))[0]).toMatchObject({ instances: 1, passing: 0 });
    // The lease is the caller's: gone at its end.
    expect(await store.list("web", NOW + 3_600_000)).toEqual([]);
  });

  it("makes an instance a heartbeat's again when its owner heartbeats over it", async () => {
    const { store } = await freshStorage(engine);
    await store.putChecked(checked({ id: "hb-1", checks: [check({ deadline: NOW + 1_000 })] }));
    expect((await heartbeat(store, NOW + 5_000)).kind).toBe("renewed");
    const instance = await store.get("web", "hb-1", NOW + 6_000);
    expect(instance).toMatchObject({ status: "passing", source: "heartbeat" });
    expect(instance?.checks).toBeUndefined();
  });

  it("raises a service's change index on creations, deletions and status changes, never on a plain renewal", async () => {
    const storage = await freshStorage(engine);
    const { store } = storage;
    expect(await store.changeIndex("web")).toEqual({
      index: 1,
      hash: undefined,
      hashAt: 0,
      tags: [],
      live: 0,
      nextEventMs: null,
    });
    await heartbeat(store, NOW);
    const created = (await store.changeIndex("web")).index;
    expect(created).toBeGreaterThanOrEqual(2);
    await heartbeat(store, NOW + 10_000);
    expect((await store.changeIndex("web")).index).toBe(created);
    await heartbeat(store, NOW + 20_000, "critical");
    const changed = (await store.changeIndex("web")).index;
    expect(changed).toBe(created + 1);
    await store.deregister("web", "hb-1", OWNER, NOW + 21_000);
    expect((await store.changeIndex("web")).index).toBe(changed + 1);
    // Another process opening the same storage, cataloguing the service again, keeps it.
    const other = await storage.another();
    await heartbeat(other.store, NOW + 22_000, "passing", "hb-2");
    expect((await store.changeIndex("web")).index).toBe(changed + 2);
  });

  it("pins what readers saw: at the raised index once, then one above, and only over the record read", async () => {
    const { store } = await freshStorage(engine);
    await heartbeat(store, NOW);
    const seen = await store.changeIndex("web");
    const view = { hash: "h1", tags: ["primary"], live: 1, nextEventMs: NOW + 30_000 };
    const pinned = await store.settleIndex("web", seen, view);
    expect(pinned).toEqual({ ...view, index: seen.index, hashAt: seen.index });
    expect(await store.changeIndex("web")).toEqual(pinned);
    // The same record again: someone pinned since.
    expect(await store.settleIndex("web", seen, { ...view, hash: "h2" })).toBeUndefined();
    const raised = await store.settleIndex("web", pinned as typeof seen, { ...view, hash: "h2" });
    expect(raised).toMatchObject({ index: seen.index + 1, hashAt: seen.index + 1, hash: "h2" });
    // A summary brought up to date under the same hash moves no index.
    const touched = await store.settleIndex("web", raised as typeof seen, {
      ...view,
      hash: "h2",
      nextEventMs: NOW + 60_000,
    });
    expect(touched).toMatchObject({
      index: seen.index + 1,
      hashAt: seen.index + 1,
      nextEventMs: NOW + 60_000,
    });
    const all = await store.changeIndexes();
    expect(all.get("web")).toEqual(touched);
  });

  it("keeps an owner's aliases until they end, and forgets them when told", async () => {
    const { store } = await freshStorage(engine);
    const alias = {
      owner: OWNER,
      name: "chk:service:web-1",
      service: "web",
      id: "web-1",
      expiresAt: Math.floor(NOW / 1000) + 60,
    };
    await store.putAlias(alias);
    expect(await store.getAlias(OWNER, "chk:service:web-1", NOW)).toEqual(alias);
    expect(await store.getAlias(OTHER, "chk:service:web-1", NOW)).toBeUndefined();
    expect(await store.getAlias(OWNER, "chk:service:web-1", NOW + 60_000)).toBeUndefined();
    await store.deleteAlias(OWNER, "chk:service:web-1");
    expect(await store.getAlias(OWNER, "chk:service:web-1", NOW)).toBeUndefined();
  });

  it("grants a watcher's claim once per index until it ends, and says how long to wait", async () => {
    const { store } = await freshStorage(engine);
    const claim = { key: "watcher-1", index: "42", nowMs: NOW, untilMs: NOW + 5_000 };
    expect(await store.claimWatch(claim)).toEqual({ ok: true });
    expect(await store.claimWatch({ ...claim, nowMs: NOW + 1_000, untilMs: NOW + 6_000 })).toEqual({
      ok: false,
      retryAfterMs: 4_000,
    });
    expect(
      await store.claimWatch({ ...claim, index: "43", nowMs: NOW + 1_000, untilMs: NOW + 6_000 }),
    ).toEqual({ ok: true });
    expect(
      await store.claimWatch({ ...claim, index: "43", nowMs: NOW + 6_000, untilMs: NOW + 11_000 }),
    ).toEqual({ ok: true });
    expect(await store.claimWatch({ ...claim, key: "watcher-2" })).toEqual({ ok: true });
  });
});
