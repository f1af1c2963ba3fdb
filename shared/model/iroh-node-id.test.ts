import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { heartbeatBody } from "./heartbeat.js";
import { checkedIrohIds, checkIrohNodeId, checkIrohNodeIdOnce, irohKey } from "./iroh-node-id.js";

/** A real key from a seed no other test uses. */
const key = (n: number) => {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, 0x6b657900 + n);
  return Buffer.from(ed25519.getPublicKey(seed)).toString("base64");
};

/** 32 bytes that are not a point on the curve (y = 2 has no x on edwards25519). */
const notOnCurve = Buffer.concat([Buffer.from([2]), Buffer.alloc(31)]).toString("base64");

describe("an Iroh node id, checked once per process", () => {
  it("gives the verdict of the full check, kept: the same object the next time", () => {
    const id = key(1);
    const before = checkedIrohIds();
    const first = checkIrohNodeIdOnce(id);
    expect(first).toEqual(checkIrohNodeId(id));
    expect(first.ok).toBe(true);
    expect(checkedIrohIds()).toBe(before + 1);
    expect(checkIrohNodeIdOnce(id)).toBe(first);
    expect(irohKey(id)).toBe(first.ok ? first.key : undefined);
    expect(checkedIrohIds()).toBe(before + 1);
  });

  it("keeps a refusal that took decoding, never one the pattern alone makes", () => {
    const before = checkedIrohIds();
    const offCurve = checkIrohNodeIdOnce(notOnCurve);
    expect(offCurve).toEqual({
      ok: false,
      reason: "is not an Ed25519 public key (not a point on the curve)",
    });
    expect(checkIrohNodeIdOnce(notOnCurve)).toBe(offCurve);
    expect(checkedIrohIds()).toBe(before + 1);
    for (let i = 0; i < 100; i++) expect(checkIrohNodeIdOnce(`not-base64-${i}`).ok).toBe(false);
    expect(checkedIrohIds()).toBe(before + 1);
  });

  it("is what a heartbeat's body is validated with", () => {
    const id = key(2);
    const before = checkedIrohIds();
    const parse = () =>
      heartbeatBody.safeParse({
        id: "n",
        address: "10.0.0.1:1",
        iroh_node_id: id,
        cluster_node_id: 1,
      });
    expect(parse().success).toBe(true);
    expect(checkedIrohIds()).toBe(before + 1);
    expect(parse().success).toBe(true);
    expect(checkedIrohIds()).toBe(before + 1);
    const bad = heartbeatBody.safeParse({
      id: "n",
      address: "10.0.0.1:1",
      iroh_node_id: notOnCurve,
      cluster_node_id: 1,
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["iroh_node_id"]);
  });
});
