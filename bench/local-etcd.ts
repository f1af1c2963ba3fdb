import { etcdKeepalive, etcdPut, etcdRange, grantLease, type RunningEtcd } from "./etcd.js";
import { etcdRangeEntries, ListCheck } from "./list-checks.js";
import { blixardBody, NODES } from "./local-bodies.js";
import { IN_FLIGHT } from "./local-muster.js";
import { rss } from "./proc.js";
import { type Figure, rounds } from "./rounds.js";
import { expectOnly, throughput } from "./throughput.js";

export interface EtcdRates {
  puts: Figure;
  keepalives: Figure;
  range: Figure;
  rangeBytes: number;
  /** RSS with the 1,000 keys and leases in, idle; and after the rates. */
  restRss: number;
  afterRss: number;
}

const value = (i: number, seq: number) => JSON.stringify(blixardBody(i, seq));

/**
 * etcd's two write paths for a lease (a put under it, a keepalive), with values the size of a
 * Blixard node's heartbeat, and its range of 1,000 keys (each answer's count checked).
 */
export async function etcdRates(
  etcd: RunningEtcd,
  requests: number,
  listRequests: number,
): Promise<EtcdRates> {
  const { pid } = etcd;
  const leases = await Promise.all(Array.from({ length: NODES }, () => grantLease(etcd, 3600)));
  const seeded = await throughput(NODES, IN_FLIGHT, (i) =>
    etcdPut(etcd, `/peers/node-${i}`, value(i, 0)),
  );
  expectOnly("etcd seeding", seeded.statuses, [200]);
  await new Promise((r) => setTimeout(r, 3000));
  const restRss = rss(pid);

  let seq = 1;
  const put = async () => {
    seq++;
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      etcdPut(
        etcd,
        `/hb/node-${i % NODES}`,
        value(i % NODES, seq * requests + i),
        leases[i % NODES],
      ),
    );
    expectOnly("etcd put", statuses, [200]);
    return perSecond;
  };
  const keepalive = async () => {
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      etcdKeepalive(etcd, leases[i % NODES] as string),
    );
    expectOnly("etcd keepalive", statuses, [200]);
    return perSecond;
  };
  // Warmed up on both write paths before either is measured, as muster is (local-muster.ts).
  await put();
  await keepalive();
  const puts = await rounds("etcd put under a lease", { pid, requests }, put);
  const keepalives = await rounds("etcd lease keepalive", { pid, requests }, keepalive);
  const check = new ListCheck(
    { what: "etcd range", entries: NODES, count: etcdRangeEntries },
    false,
  );
  const range = await rounds(
    "etcd range of 1,000 keys",
    { pid, requests: listRequests },
    async () =>
      (
        await throughput(listRequests, IN_FLIGHT, async () =>
          check.check(await etcdRange(etcd, "/peers/", check.counted)),
        )
      ).perSecond,
  );
  return { puts, keepalives, range, rangeBytes: check.bytes ?? 0, restRss, afterRss: rss(pid) };
}
