import type { LocalServer } from "../test/support/local-server.js";
import { stopLocal } from "../test/support/local-server.js";
import { HttpClient } from "./http-client.js";
import { plainBody } from "./local-bodies.js";
import { AUTH, heartbeat, IN_FLIGHT, list, seed } from "./local-muster.js";
import { rss } from "./proc.js";
import { expectOnly, throughput } from "./throughput.js";

/**
 * The goals that are not rates, each on a fresh server: 5xx among 128 concurrent writes and
 * 128 concurrent reads; RSS growth over 20,000 list reads after a warm-up; every acknowledged
 * heartbeat present after kill -9.
 */
export async function goals(
  start: (dir: string) => Promise<LocalServer>,
  dir: () => Promise<string>,
) {
  const client = new HttpClient(IN_FLIGHT);
  try {
    let server = await start(await dir());
    await seed(client, server.url, "busy", 200, plainBody);
    // A connection each, so that all 256 are in flight at once.
    const burst = new HttpClient(256);
    const all = await Promise.all([
      ...Array.from({ length: 128 }, (_, i) =>
        burst.post(`${server.url}/v1/services/busy/heartbeats`, plainBody(1000 + i, 0), AUTH),
      ),
      ...Array.from({ length: 128 }, () =>
        burst.send("GET", `${server.url}/v1/services/busy/peers.json`, AUTH),
      ),
    ]).finally(() => burst.close());
    const fiveXX = all.filter((r) => r.status >= 500).length;
    // RSS over 20,000 list reads of the 328-instance service, after a warm-up.
    const paths = ["peers.json", "peers.txt", "srv", "instances"];
    const read = (i: number) => list(client, server.url, "busy", paths[i % 4] as string);
    // V8 sizes its heap over the first ~10,000 reads; the baseline is taken after that.
    await throughput(10_000, IN_FLIGHT, read);
    const pid = server.child.pid as number;
    const before = rss(pid);
    const listed = await throughput(20_000, IN_FLIGHT, read);
    expectOnly("list reads", listed.statuses, [200]);
    const growth = rss(pid) - before;
    await stopLocal(server);
    // kill -9 after acknowledged heartbeats.
    const data = await dir();
    server = await start(data);
    let acknowledged = 0;
    await throughput(1000, IN_FLIGHT, async (i) => {
      const res = await heartbeat(client, server.url, "durable", plainBody(i, 0));
      if (res.status === 201) acknowledged++;
      return res;
    });
    await stopLocal(server, "SIGKILL");
    server = await start(data);
    const res = await list(client, server.url, "durable", "instances");
    const present = (JSON.parse(res.body.toString()) as { instances: unknown[] }).instances.length;
    await stopLocal(server);
    return { fiveXX, growth, listRate: listed.perSecond, acknowledged, present };
  } finally {
    client.close();
  }
}
