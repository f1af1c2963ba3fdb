import { describe, expect, it } from "vitest";
import { irohKeyBytes, irohNodeId } from "../../test/support/iroh-keys.js";
import { irohBase32, irohLabel } from "./iroh-base32.js";

describe("irohBase32", () => {
  it("is RFC 4648 base32 without padding, lower case, 52 characters", () => {
    // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======".
    expect(irohBase32(new TextEncoder().encode("foobar"))).toBe("mzxw6ytboi");
    const id = irohBase32(irohKeyBytes(1));
    expect(id).toMatch(/^[a-z2-7]{52}$/);
    // 256 bits in 52 characters: the last one carries 1 bit and 4 zero bits, which iroh's
    // decoder checks.
    expect(["a", "q"]).toContain(id.at(-1));
  });

  it("names an instance by its valid iroh_node_id only", () => {
    expect(irohLabel({ iroh_node_id: irohNodeId(2) })).toBe(irohBase32(irohKeyBytes(2)));
    expect(irohLabel({ iroh_node_id: null })).toBeUndefined();
    expect(irohLabel({ iroh_node_id: "not-a-key" })).toBeUndefined();
  });
});
