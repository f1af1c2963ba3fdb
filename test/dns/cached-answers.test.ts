import * as packet from "dns-packet";
import { describe, expect, it } from "vitest";
import type { DnsSource } from "../../shared/dns/answer.js";
import { CachedResponder } from "../../shared/dns/cached-respond.js";
import { AnswerCache } from "../../shared/http/answer-cache.js";
import type { Instance } from "../../shared/model/instance.js";
import { ChangeFeed } from "../../shared/store/change-feed.js";
import { engine } from "../engines/index.js";
import { instance } from "../support/instances.js";
import { type TestRegistry, TOKEN_A, testRegistry } from "../support/registry.js";

const ZONE = "muster.internal";

/** One DoH query (POST, the raw message) with its own id; the raw answer and its decoding. */
async function ask(
  r: TestRegistry,
  name: string,
  type: packet.RecordType,
  id: number,
  token?: string,
) {
  const query = packet.encode({
    type: "query",
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type, class: "IN" }],
  });
  const res = await r.app.request("/dns-query", {
    method: "POST",
    headers: {
      "Content-Type": "application/dns-message",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: new Uint8Array(query),
  });
  expect(res.status).toBe(200);
  const raw = Buffer.from(await res.arrayBuffer());
  const message = packet.decode(raw) as packet.DecodedPacket & { rcode: string };
  expect(message.id).toBe(id);
  return { raw, message };
}

const targets = (m: packet.DecodedPacket) =>
  (m.answers ?? []).map((a) => (a.type === "SRV" ? a.data.target : a.type)).sort();

async function registry() {
  const r = await testRegistry(engine("sqlite"), { publicServices: ["web"], answers: true });
  const beat = async (service: string, id: string, ttl = 3600) => {
    const res = await r.heartbeat(service, { id, address: `10.0.0.${id.at(-1)}:80`, ttl });
    expect(res.status).toBe(201);
  };
  return { r, beat, answers: r.answers as NonNullable<TestRegistry["answers"]> };
}

describe("DNS answers from the answer cache (local mode's)", () => {
  it("answers a repeated query from the cache under each asker's id, until the service changes", async () => {
    const { r, beat, answers } = await registry();
    await beat("web", "node-1");
    const srv = `_web._tcp.${ZONE}`;
    const first = await ask(r, srv, "SRV", 1);
    const renders = answers.counts.renders;
    const second = await ask(r, srv, "SRV", 2);
    expect(answers.counts.renders).toBe(renders);
    expect(answers.counts.hits).toBeGreaterThan(0);
    // The same bytes but the id.
    expect(second.raw.subarray(2)).toEqual(first.raw.subarray(2));
    expect(targets(second.message)).toEqual([`node-1.web.${ZONE}`]);

    await beat("web", "node-2");
    const changed = await ask(r, srv, "SRV", 3);
    expect(targets(changed.message)).toEqual([`node-1.web.${ZONE}`, `node-2.web.${ZONE}`]);
  });

  it("drops a member whose lease ended without any write, and moves the SOA serial with the second", async () => {
    const { r, beat } = await registry();
    await beat("web", "node-1");
    await beat("web", "node-2", 30);
    const srv = `_web._tcp.${ZONE}`;
    expect(targets((await ask(r, srv, "SRV", 1)).message)).toHaveLength(2);
    r.advance(31);
    expect(targets((await ask(r, srv, "SRV", 2)).message)).toEqual([`node-1.web.${ZONE}`]);

    const serial = async (id: number) => {
      const { message } = await ask(r, `nothing.${ZONE}`, "A", id);
      expect(message.rcode).toBe("NXDOMAIN");
      const soa = message.authorities?.[0];
      return soa?.type === "SOA" ? soa.data.serial : undefined;
    };
    const before = await serial(3);
    expect(await serial(4)).toBe(before);
    r.advance(1);
    expect(await serial(5)).toBe((before as number) + 1);
  });

  it("keeps apart what askers of different scope get: NXDOMAIN for one, records for another", async () => {
    const { r, beat } = await registry();
    await beat("secret", "s-1");
    const name = `_secret._tcp.${ZONE}`;
    const anonymous = await ask(r, name, "SRV", 1);
    expect(anonymous.message.rcode).toBe("NXDOMAIN");
    expect(anonymous.message.authorities?.map((a) => a.type)).toEqual(["SOA"]);
    const reader = await ask(r, name, "SRV", 2, TOKEN_A);
    expect(targets(reader.message)).toEqual([`s-1.secret.${ZONE}`]);
    expect((await ask(r, name, "SRV", 3)).message.rcode).toBe("NXDOMAIN");
  });

  it("echoes the question as asked, whatever its case (resolvers randomise it)", async () => {
    const { r, beat } = await registry();
    await beat("web", "node-1");
    for (const [i, name] of [`web.${ZONE}`, `WeB.${ZONE}`, `wEB.${ZONE.toUpperCase()}`].entries()) {
      const { message } = await ask(r, name, "A", 10 + i);
      expect(message.questions?.[0]?.name).toBe(name);
      expect(message.answers?.map((a) => a.name)).toEqual([name]);
    }
  });

  it("keys `_iroh._tcp` on the service it is mapped to: a write there changes the answer", async () => {
    const feed = new ChangeFeed();
    const cache = new AnswerCache({ versions: feed });
    const responder = new CachedResponder(() => cache);
    const members: Instance[] = [instance({ service: "bx", id: "n-1", address: "10.0.0.1:7001" })];
    const source: DnsSource = {
      mayRead: () => true,
      list: async (service) => members.filter((i) => i.service === service),
    };
    const zone = { zone: ZONE, ttl: 5, now: () => 1_000_000, irohService: "bx" };
    const srv = async (id: number) => {
      const query = packet.encode({
        type: "query",
        id,
        questions: [{ name: `_iroh._tcp.${ZONE}`, type: "SRV", class: "IN" }],
      });
      return packet.decode((await responder.respond(query, source, zone, "stream")).message);
    };
    expect((await srv(1)).answers).toHaveLength(1);
    members.push(instance({ service: "bx", id: "n-2", address: "10.0.0.2:7001" }));
    // Kept until the mapped service's version moves...
    expect((await srv(2)).answers).toHaveLength(1);
    feed.notify("iroh");
    expect((await srv(3)).answers).toHaveLength(1);
    // ...which a write to it does.
    feed.notify("bx");
    expect((await srv(4)).answers).toHaveLength(2);
  });
});
