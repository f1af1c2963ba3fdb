import { HEADER_BYTES } from "./raw-message.js";

/** Record types whose RDATA holds names that may be compressed (RFC 3597 §4). */
const NAMES_IN_RDATA: Record<number, { before: number; names: number; after: number }> = {
  2: { before: 0, names: 1, after: 0 }, // NS
  5: { before: 0, names: 1, after: 0 }, // CNAME
  6: { before: 0, names: 2, after: 20 }, // SOA
  12: { before: 0, names: 1, after: 0 }, // PTR
  15: { before: 2, names: 1, after: 0 }, // MX
};
/** SRV: its target is written whole (RFC 2782), but later names may point into it. */
const SRV = 33;

export interface Compressed {
  message: Buffer;
  /** Where each record (answers, authorities, additionals in order) ends in `message`. */
  recordEnds: number[];
  /** Where the question section ends. */
  questionsEnd: number;
}

/**
 * Name compression (RFC 1035 §4.1.4) for a message dns-packet encoded, which writes every name
 * in full. An SRV answer repeats the question's name as its owner and its target is the owner
 * of its glue record, so compressing roughly halves a list, and twice as many records fit a
 * UDP reply. A pointer only ever points backwards, at a name already written with the same
 * bytes (case included), so the message reads back exactly as dns-packet wrote it, and any
 * prefix of its records is compressed as the whole is. A message this cannot walk is
 * returned as it was.
 */
export function compressNames(message: Buffer): Compressed {
  try {
    return new Compressor(message).run();
  } catch {
    return { message, recordEnds: [], questionsEnd: message.length };
  }
}

class Compressor {
  readonly #in: Buffer;
  #at = HEADER_BYTES;
  /** Compression only shrinks a message: the input's size is enough. */
  readonly #out: Buffer;
  #written = 0;
  /** Each name suffix written so far (its wire bytes, as latin1), at the offset it starts. */
  readonly #suffixes = new Map<string, number>();

  constructor(message: Buffer) {
    this.#in = message;
    this.#out = Buffer.allocUnsafe(message.length);
  }

  run(): Compressed {
    const m = this.#in;
    this.#copy(HEADER_BYTES, 0);
    const [questions, ...sections] = [4, 6, 8, 10].map((at) => m.readUInt16BE(at));
    for (let q = 0; q < (questions as number); q++) {
      this.#name(false);
      this.#copy(4);
    }
    const questionsEnd = this.#written;
    const records = sections.reduce((a, b) => (a as number) + (b as number), 0) as number;
    const recordEnds: number[] = [];
    for (let r = 0; r < records; r++) {
      this.#record();
      recordEnds.push(this.#written);
    }
    if (this.#at !== m.length) throw new Error("trailing bytes");
    return { message: this.#out.subarray(0, this.#written), recordEnds, questionsEnd };
  }

  #record(): void {
    const m = this.#in;
    this.#name(true);
    const type = m.readUInt16BE(this.#at);
    const rdLength = m.readUInt16BE(this.#at + 8);
    this.#copy(10);
    const lengthAt = this.#written - 2;
    const end = this.#at + rdLength;
    if (end > m.length) throw new Error("short record");
    const start = this.#written;
    const layout = NAMES_IN_RDATA[type];
    if (layout) {
      this.#copy(layout.before);
      for (let i = 0; i < layout.names; i++) this.#name(true);
      this.#copy(layout.after);
    } else if (type === SRV) {
      this.#copy(6);
      this.#name(false);
    } else {
      this.#copy(rdLength);
    }
    if (this.#at !== end) throw new Error("RDATA does not match its length");
    // RDATA's length changes with compression.
    this.#out.writeUInt16BE(this.#written - start, lengthAt);
  }

  /** Copies the uncompressed name at the cursor, with a pointer for its longest known suffix. */
  #name(compress: boolean): void {
    const m = this.#in;
    const starts: number[] = [];
    let at = this.#at;
    for (;;) {
      const length = m[at];
      if (length === undefined || (length & 0xc0) !== 0) throw new Error("not a plain name");
      if (length === 0) break;
      starts.push(at);
      at += 1 + length;
    }
    const end = at + 1;
    for (const labelAt of starts) {
      const key = m.toString("latin1", labelAt, end);
      const known = this.#suffixes.get(key);
      if (compress && known !== undefined) {
        this.#out.writeUInt16BE(0xc000 | known, this.#written);
        this.#written += 2;
        this.#at = end;
        return;
      }
      // Only offsets a pointer can hold (14 bits).
      if (known === undefined && this.#written < 0x4000) this.#suffixes.set(key, this.#written);
      this.#copy((m[labelAt] as number) + 1, labelAt);
    }
    this.#copy(1, at);
    this.#at = end;
  }

  /** Copies `n` bytes from `from` (default: the cursor, which moves past them). */
  #copy(n: number, from?: number): void {
    const at = from ?? this.#at;
    if (at + n > this.#in.length) throw new Error("short message");
    this.#in.copy(this.#out, this.#written, at, at + n);
    this.#written += n;
    if (from === undefined) this.#at += n;
  }
}
