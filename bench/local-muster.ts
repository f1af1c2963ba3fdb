import type { Answer, HttpClient } from "./http-client.js";
import { ListCheck, peersJsonEntries, peersTxtEntries } from "./list-checks.js";
import { type Body, blixardBody, NODES, plainBody } from "./local-bodies.js";
import { type Figure, rounds } from "./rounds.js";
import { expectOnly, throughput } from "./throughput.js";

export const TOKEN = "bench-local-token-0123456789abcdef";
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
export const IN_FLIGHT = 32;
/** The services the rates use: 1,000 Blixard nodes, 1,000 plain instances. */
export const BLIXARD = "bench-blixard";
export const PLAIN = "bench-plain";

export const heartbeat = (client: HttpClient, url: string, service: string, body: Body) =>
  client.post(`${url}/v1/services/${service}/heartbeats`, body, AUTH);

/** A GET of a service's file; `same`: the bytes it is expected to be (HttpClient.send). */
export const list = (
  client: HttpClient,
  url: string,
  service: string,
  file: string,
  same?: Buffer,
) => client.send("GET", `${url}/v1/services/${service}/${file}`, AUTH, undefined, same);

/** Registers `count` nodes of `body`'s shape; every one must be created (or renewed). */
export async function seed(
  client: HttpClient,
  url: string,
  service: string,
  count: number,
  body: (i: number, seq: number) => Body,
): Promise<void> {
  const { statuses } = await throughput(count, IN_FLIGHT, (i) =>
    heartbeat(client, url, service, body(i, 0)),
  );
  expectOnly(`seeding ${service}`, statuses, [201, 200]);
}

export interface MusterRates {
  blixardBeats: Figure;
  plainBeats: Figure;
  peersJson: Figure;
  peersTxt: Figure;
  peersJsonBytes: number;
  peersTxtBytes: number;
  /** Answers whose entries were counted. */
  checked: number;
}

/**
 * Heartbeat renewals (a new metadata.seq each, so each is a write) of the seeded Blixard
 * nodes and plain instances; then their lists, each answer checked (list-checks.ts).
 */
export async function musterRates(
  client: HttpClient,
  url: string,
  pid: number,
  requests: number,
  listRequests: number,
): Promise<MusterRates> {
  let seq = 1;
  const beats = (service: string, body: (i: number, seq: number) => Body) => async () => {
    seq++;
    const base = seq * requests;
    const { perSecond, statuses } = await throughput(requests, IN_FLIGHT, (i) =>
      heartbeat(client, url, service, body(i % NODES, base + i)),
    );
    expectOnly(`heartbeats of ${service}`, statuses, [200]);
    return perSecond;
  };
  // The server warmed up as a long-running one is, on both kinds of heartbeat, before either
  // is measured: the first figure measured on a fresh process ran 20-30% below the same figure
  // measured again after the others (V8's heap and compiled code, SQLite's file and WAL still
  // growing), so whichever came first lost.
  await beats(BLIXARD, blixardBody)();
  await beats(PLAIN, plainBody)();
  const blixardBeats = await rounds(
    "muster heartbeats, Blixard nodes",
    { pid, requests },
    beats(BLIXARD, blixardBody),
  );
  const plainBeats = await rounds(
    "muster heartbeats, plain instances",
    { pid, requests },
    beats(PLAIN, plainBody),
  );

  const reads = (check: ListCheck, service: string, file: string) => async () => {
    const { perSecond } = await throughput(
      listRequests,
      IN_FLIGHT,
      async (): Promise<Answer> =>
        check.check(await list(client, url, service, file, check.counted)),
    );
    return perSecond;
  };
  const json = new ListCheck({ what: "peers.json", entries: NODES, count: peersJsonEntries }, true);
  const peersJson = await rounds(
    "muster peers.json of 1,000 Blixard nodes",
    { pid, requests: listRequests },
    reads(json, BLIXARD, "peers.json"),
  );
  const txt = new ListCheck({ what: "peers.txt", entries: NODES, count: peersTxtEntries }, true);
  const peersTxt = await rounds(
    "muster peers.txt of 1,000 instances",
    { pid, requests: listRequests },
    reads(txt, PLAIN, "peers.txt"),
  );
  return {
    blixardBeats,
    plainBeats,
    peersJson,
    peersTxt,
    peersJsonBytes: json.bytes ?? 0,
    peersTxtBytes: txt.bytes ?? 0,
    checked: json.checked + txt.checked,
  };
}
