import type {
  DeregisterResult,
  HeartbeatInput,
  HeartbeatResult,
  RegistryStore,
  SourcedInput,
  Store,
} from "../store/store.js";
import { wrapMethods } from "../store/wrap-methods.js";
import type { Membership } from "./membership.js";

const RECORDED = ["heartbeat", "deregister", "upsertSourced", "remove", "withdraw"] as const;

/**
 * `store` that tells `members` what each write did, so that local mode's ChangeLog holds the
 * joins, leaves and status changes (docs/ui.md). Only writes that changed something are told;
 * the Store interface is unchanged. `now` is the clock the app uses.
 */
export function recordingStore<S extends Store>(
  store: S,
  members: Membership,
  now: () => number,
): S {
  return wrapMethods(store, RECORDED, (name, method) => async (...args: unknown[]) => {
    const result = await method(...args);
    tell(members, name, args, result, now());
    return result;
  });
}

function tell(
  members: Membership,
  name: (typeof RECORDED)[number],
  args: unknown[],
  result: unknown,
  nowMs: number,
): void {
  switch (name) {
    case "heartbeat": {
      const input = args[0] as HeartbeatInput;
      const r = result as HeartbeatResult;
      if (r.kind !== "created" && r.kind !== "renewed") return;
      members.live(
        input.service,
        input.id,
        {
          status: input.fields.status,
          source: input.source,
          address: input.fields.address,
          expiresAt: r.expiresAt,
        },
        input.nowMs,
        r.kind === "created",
      );
      return;
    }
    case "upsertSourced": {
      const input = args[0] as SourcedInput;
      if (result !== "written") return;
      members.live(
        input.service,
        input.id,
        {
          status: input.fields.status,
          source: input.source,
          address: input.fields.address,
          expiresAt: Math.floor(input.nowMs / 1000) + input.leaseSeconds,
        },
        input.nowMs,
        // A source's write says not whether it created: new unless the recorder knows it.
        !members.knows(input.service, input.id),
      );
      return;
    }
    case "deregister":
      if ((result as DeregisterResult) === "deleted") {
        members.gone(args[0] as string, args[1] as string, "deregistered", args[3] as number);
      }
      return;
    case "remove":
      if (result === true) members.gone(args[0] as string, args[1] as string, "removed", nowMs);
      return;
    case "withdraw":
      if (result === true) members.withdrawn(args[0] as string, args[1] as string);
      return;
  }
}

/** Makes `members` know every instance live now, without recording them as changes. */
export async function seedMembership(
  store: Pick<RegistryStore, "services" | "list">,
  members: Membership,
  nowMs: number,
): Promise<void> {
  for (const { name } of await store.services(nowMs)) {
    for (const i of await store.list(name, nowMs)) {
      members.seed(name, i.id, {
        status: i.status,
        source: i.source,
        address: i.address,
        expiresAt: Math.floor(Date.parse(i.expires_at) / 1000),
      });
    }
  }
}
