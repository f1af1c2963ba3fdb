import * as packet from "dns-packet";

/**
 * Queries from the adversarial sweep (issue 22): each one a way to make a DNS server answer
 * with more than it was asked, or with something that does not decode. Shared by the wire
 * test, the DoH test and the UDP/TCP server test, so every transport faces the same inputs.
 */

const header = (id: number, flags: number, counts: [number, number, number, number]) => {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  for (const [i, n] of counts.entries()) h.writeUInt16BE(n, 4 + 2 * i);
  return h;
};

/** A name of four 63-byte labels (253 bytes on the wire, the longest there is). */
const longName = Buffer.concat([
  ...Array.from({ length: 4 }, (_, i) =>
    Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 97 + i)]),
  ),
  Buffer.from([0]),
]);
const typeClass = (type = 1) => Buffer.from([0, type, 0, 1]);

/** The first question spelt out, then `count` more, each a pointer to it: tiny on the wire. */
function pointerQuestions(count: number, flags = 0): Buffer {
  const pointer = Buffer.from([0xc0, 12]);
  return Buffer.concat([
    header(0x2222, flags, [count + 1, 0, 0, 0]),
    longName,
    typeClass(),
    ...Array.from({ length: count }, () => Buffer.concat([pointer, typeClass()])),
  ]);
}

/** A question whose label is 63 bytes of 0xff, under the zone or not. */
function ffLabel(zone: string | undefined): Buffer {
  const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0xff)]);
  const rest = Buffer.concat([
    ...(zone ?? "")
      .split(".")
      .filter((l) => l !== "")
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
  return Buffer.concat([header(0x3333, 0x0100, [1, 0, 0, 0]), label, rest, typeClass(33)]);
}

export interface HostileQuery {
  name: string;
  query: Buffer;
  /** A response (QR=1) or a message shorter than a header: nothing comes back at all. */
  unanswered?: boolean;
}

/** Each input; `big` fits a 64 KiB stream but not UDP. */
export function hostileQueries(zone: string): HostileQuery[] {
  const srv = (name: string, extra: Partial<packet.Packet> = {}) =>
    packet.encode({
      type: "query",
      id: 9,
      questions: [{ name, type: "SRV", class: "IN" }],
      ...extra,
    });
  return [
    // FORMERR echoing every question, pointers expanded: 1,719 bytes in, 53 KB out before.
    { name: "FORMERR: 266 questions by pointer (1.7 KB)", query: pointerQuestions(266) },
    { name: "NOTIMP: opcode UPDATE with 266 questions", query: pointerQuestions(266, 5 << 11) },
    { name: "FORMERR: 10,000 questions by pointer (60 KB)", query: pointerQuestions(10_000) },
    {
      name: "a response (QR=1), e.g. another server's FORMERR",
      query: Buffer.concat([header(1, 0x8001, [0, 0, 0, 0])]),
      unanswered: true,
    },
    {
      name: "a response carrying 266 questions",
      query: pointerQuestions(266, 0x8000),
      unanswered: true,
    },
    { name: "two bytes", query: Buffer.from([0x12, 0x34]), unanswered: true },
    { name: "a header and nothing else", query: header(5, 0x0100, [0, 0, 0, 0]) },
    {
      name: "a header claiming 65,535 questions",
      query: header(6, 0x0100, [65535, 65535, 65535, 65535]),
    },
    { name: "a label of 63 × 0xff bytes under the zone", query: ffLabel(zone) },
    { name: "a label of 63 × 0xff bytes at the root", query: ffLabel(undefined) },
    { name: "SRV of a large service", query: srv(`_big._tcp.${zone}`) },
    {
      name: "SRV of a large service with EDNS 4096",
      query: srv(`_big._tcp.${zone}`, { additionals: [ednsOpt(4096)] }),
    },
    {
      name: "ANY of a large service",
      query: packet.encode({
        type: "query",
        id: 10,
        questions: [{ name: `big.${zone}`, type: "ANY" as packet.RecordType }],
      }),
    },
    { name: "A of a missing name", query: srv(`nope.${zone}`) },
    { name: "a name outside the zone", query: srv("example.com") },
  ];
}

export function ednsOpt(size: number): packet.Answer {
  return {
    type: "OPT",
    name: ".",
    udpPayloadSize: size,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  } as packet.Answer;
}

/** The reply's first question, its bytes as the reply carries them (it has one at most). */
export function questionBytes(reply: Buffer): Buffer | undefined {
  if (reply.readUInt16BE(4) === 0) return undefined;
  let at = 12;
  while (reply[at] !== 0) at += 1 + (reply[at] as number);
  return reply.subarray(12, at + 5);
}
