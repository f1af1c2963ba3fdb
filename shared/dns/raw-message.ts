/**
 * What muster reads of a DNS message's bytes itself, before or instead of dns-packet: the
 * header bits that decide whether to answer at all, and the first question exactly as sent.
 *
 * dns-packet decodes a label as UTF-8 and encodes it back as UTF-8: a label of 63 bytes of
 * 0xff comes back as 189 bytes, which no longer fits a label, and the reply does not decode.
 * Echoing the question's own bytes keeps it what the asker sent (with its name uncompressed).
 */

/** The fixed header of every DNS message (RFC 1035 §4.1.1). */
export const HEADER_BYTES = 12;
/** A name's longest wire form, its labels' length bytes and the root's included (§3.1). */
const MAX_NAME_BYTES = 255;

/** QR set: the message is a response. A server that answered responses could be bounced off another. */
export function isResponse(message: Buffer): boolean {
  return message.length >= 3 && ((message[2] as number) & 0x80) !== 0;
}

/** Worth an answer at all: a whole header, and a query (QR clear). */
export function isAnswerable(message: Buffer): boolean {
  return message.length >= HEADER_BYTES && !isResponse(message);
}

/**
 * The first question's bytes: its name with compression pointers followed (only backwards, as
 * dns-packet does, so no loop), then its type and class. Undefined when the message has no
 * question or it is malformed.
 */
export function firstQuestion(message: Buffer): Buffer | undefined {
  if (message.length < HEADER_BYTES || message.readUInt16BE(4) === 0) return undefined;
  const name: Buffer[] = [];
  let size = 0;
  let offset = HEADER_BYTES;
  // Where the question's type and class are: after the name as written, before any jump.
  let end: number | undefined;
  let floor = HEADER_BYTES;
  for (;;) {
    if (offset >= message.length) return undefined;
    const length = message[offset] as number;
    if (length === 0) {
      end ??= offset + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (offset + 1 >= message.length) return undefined;
      const target = message.readUInt16BE(offset) & 0x3fff;
      if (target >= floor) return undefined;
      end ??= offset + 2;
      offset = target;
      floor = target;
      continue;
    }
    // 0x40 and 0x80: extended label types no one uses (RFC 6891 §5).
    if ((length & 0xc0) !== 0) return undefined;
    if (offset + 1 + length > message.length) return undefined;
    size += 1 + length;
    if (size + 1 > MAX_NAME_BYTES) return undefined;
    name.push(message.subarray(offset, offset + 1 + length));
    offset += 1 + length;
  }
  if (end + 4 > message.length) return undefined;
  return Buffer.concat([...name, Buffer.from([0]), message.subarray(end, end + 4)]);
}

/**
 * A message encoded with no question, with `question` put in as its only one. dns-packet
 * writes no compression pointers, so nothing after the header points at an offset this moves.
 */
export function withQuestion(message: Buffer, question: Buffer | undefined): Buffer {
  if (!question) return message;
  const out = Buffer.concat([
    message.subarray(0, HEADER_BYTES),
    question,
    message.subarray(HEADER_BYTES),
  ]);
  out.writeUInt16BE(1, 4);
  return out;
}

/** A response's header alone, answering `query`: its id, QR and the given flags, no records. */
export function bareHeader(query: Buffer, flags: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  out.writeUInt16BE(0x8000 | flags, 2);
  return out;
}
