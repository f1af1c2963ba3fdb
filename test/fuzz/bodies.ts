import fc from "fast-check";
import { irohNodeId } from "../support/iroh-keys.js";

/** Heartbeat bodies for the property suite: valid, nearly valid, and anything at all. */

const scalar = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 1e308, 5e-324, 65535, 65536, 0),
);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 40 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 70 }), scalar, { maxKeys: 40 }) },
);

const address = fc.oneof(
  fc.constantFrom(
    "10.0.0.1:7001",
    "[2001:db8::1]:7001",
    "node.example.com:1",
    "a:65535",
    "a:0",
    "a:65536",
    "[::1]",
    "::1:80",
    "999.1.1.1:80",
    "host:-1",
    "host: 80",
    "xn--bcher-kva.example:443",
    "bücher.example:443",
  ),
  fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 70000 })).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 70000 })).map(([h, p]) => `[${h}]:${p}`),
  fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  anyValue,
);

/** Heartbeat-shaped objects whose every field may be right, wrong or hostile. */
export function heartbeatish(ids: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(
        {
          id: fc.oneof({ weight: 4, arbitrary: ids }, { weight: 1, arbitrary: anyValue }),
          address,
          direct_addresses: fc.oneof(fc.array(address, { maxLength: 20 }), anyValue),
          relay_url: fc.oneof(
            fc.webUrl(),
            fc.constantFrom("ftp://x", "javascript:alert(1)", "http://"),
            anyValue,
          ),
          iroh_node_id: anyValue,
          cluster_node_id: fc.oneof(fc.integer({ min: -2, max: 2 ** 31 }), anyValue),
          tags: fc.oneof(
            fc.array(fc.string({ unit: "grapheme", maxLength: 70 }), { maxLength: 40 }),
            anyValue,
          ),
          metadata: fc.oneof(
            fc.dictionary(
              fc.string({ unit: "grapheme", maxLength: 70 }),
              fc.string({ maxLength: 600 }),
              {
                maxKeys: 40,
              },
            ),
            anyValue,
          ),
          version: anyValue,
          weight: fc.oneof(fc.integer({ min: -2, max: 1100 }), anyValue),
          status: fc.oneof(
            fc.constantFrom("passing", "warning", "critical", "PASSING", "ok"),
            anyValue,
          ),
          ttl: fc.oneof(fc.integer({ min: 0, max: 4000 }), anyValue),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            "__proto__",
            "constructor",
            "source",
            "owner",
            "expires_at",
            "registered_at",
          ),
          fc.string(),
        ),
        anyValue,
        { maxKeys: 3 },
      ),
    )
    .map(([fields, extra]) => {
      const out: Record<string, unknown> = {};
      // defineProperty: "__proto__" becomes a real key of the JSON, as a client could send it.
      for (const [k, v] of [...Object.entries(fields), ...Object.entries(extra)]) {
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    });
}

/** A heartbeat the contract accepts: unicode where it is allowed, sizes up to the limits. */
export function validHeartbeat(ids: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const addr = fc.oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `[${h}]:${p}`),
  );
  return fc.record(
    {
      id: ids,
      address: addr,
      direct_addresses: fc.array(addr, { maxLength: 16 }),
      relay_url: fc.constantFrom("https://relay.iroh.network", "http://10.0.0.1:3340/"),
      iroh_node_id: fc.integer({ min: 1, max: 255 }).map(irohNodeId),
      cluster_node_id: fc.nat(),
      tags: fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), {
        maxLength: 8,
      }),
      metadata: fc.dictionary(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }),
        fc.string({ unit: "grapheme", maxLength: 60 }),
        { maxKeys: 8 },
      ),
      version: fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }),
      weight: fc.integer({ min: 1, max: 1000 }),
      status: fc.constantFrom("passing", "warning", "critical"),
      ttl: fc.integer({ min: 5, max: 3600 }),
    },
    { requiredKeys: ["id", "address"] },
  );
}

/** A valid heartbeat with up to two fields made hostile: most of the input gets far in. */
export function nearlyValidHeartbeat(
  ids: fc.Arbitrary<string>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(validHeartbeat(ids), heartbeatish(ids), fc.array(fc.nat(11), { maxLength: 2 }))
    .map(([valid, hostile, picks]) => {
      const out = { ...valid };
      const keys = Object.keys(hostile);
      for (const p of picks) {
        const k = keys[p % Math.max(1, keys.length)];
        if (k !== undefined && k !== "__proto__") out[k] = hostile[k];
      }
      return out;
    });
}

/** Any body text: JSON of any shape, heartbeat-like JSON, non-JSON, huge, deeply nested. */
export function bodyText(ids: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: nearlyValidHeartbeat(ids).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: heartbeatish(ids).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "") },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 15_000, max: 40_000 }), fc.constantFrom("a", "é", "😀", "\\u0000"))
        .map(([n, c]) =>
          JSON.stringify({ id: "big", address: "10.0.0.1:1", version: c.repeat(n) }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 4000 }),
          fc.constantFrom("[", '{"a":', '{"id":"n","metadata":'),
        )
        .map(([d, open]) => `${open.repeat(d)}1${(open === "[" ? "]" : "}").repeat(d)}`),
    },
  );
}
