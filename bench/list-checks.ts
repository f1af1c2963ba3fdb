import type { Answer } from "./http-client.js";

/**
 * What one answer of a list figure must be, checked on every answer of every round: a rate
 * of answers that are not what the row says (an empty list, an error) is no rate.
 */
export interface ListExpectation {
  what: string;
  entries: number;
  /** Entries in a body, counted without parsing it (parsing would load the client). */
  count(body: Buffer): number;
}

const occurrences = (body: Buffer, needle: Buffer): number => {
  let n = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) n++;
  return n;
};

const IROH = Buffer.from('"iroh_node_id"');
const NEWLINE = Buffer.from("\n");
const KV = Buffer.from('"key":"');

/** peers.json: one `iroh_node_id` per Blixard node. */
export const peersJsonEntries = (body: Buffer) => occurrences(body, IROH);
/** peers.txt: one line per instance. */
export const peersTxtEntries = (body: Buffer) => occurrences(body, NEWLINE);
/** etcd's range through the gateway: one `"key":"…"` per key-value. */
export const etcdRangeEntries = (body: Buffer) => occurrences(body, KV);

/**
 * Checks answers as they come: every answer 200 with exactly the entries expected. A body is
 * counted the first time it is seen; an answer with the very same bytes as a counted one
 * (compared whole) holds the same entries, so the client spends a comparison on it, not a
 * count: counting a 1,000-entry peers.json took the client 1 ms, more than the server spends.
 * With `sameBytes` (muster, which serves one rendering until a write) every answer must be
 * the bytes of the first.
 */
export class ListCheck {
  #counted: Buffer | undefined;
  bytes: number | undefined;
  checked = 0;
  /** Answers whose entries were counted: the distinct bodies. */
  bodies = 0;

  constructor(
    readonly expect: ListExpectation,
    readonly sameBytes: boolean,
  ) {}

  /** The bytes counted last: what the next answer is expected to be (HttpClient's `same`). */
  get counted(): Buffer | undefined {
    return this.#counted;
  }

  check(answer: Answer): Answer {
    const { what, entries } = this.expect;
    if (answer.status !== 200) {
      throw new Error(`${what}: answered ${answer.status}: ${answer.body.subarray(0, 200)}`);
    }
    // The client hands back the very buffer when every byte matched (HttpClient's `same`).
    if (answer.body !== this.#counted && !this.#counted?.equals(answer.body)) {
      if (this.sameBytes && this.#counted !== undefined) {
        throw new Error(`${what}: an answer of other bytes than the first (${answer.body.length})`);
      }
      const found = this.expect.count(answer.body);
      if (found !== entries) {
        throw new Error(`${what}: ${found} entries in an answer, not ${entries}`);
      }
      this.#counted = answer.body;
      this.bodies++;
    }
    this.bytes ??= answer.body.length;
    this.checked++;
    return answer;
  }
}
