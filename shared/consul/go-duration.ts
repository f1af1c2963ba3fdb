/**
 * Go's duration syntax, as Consul reads it (`time.ParseDuration`) for `?wait=`, a check's `TTL`,
 * `Interval` and `DeregisterCriticalServiceAfter`, and as Go prints one (`time.Duration.String`).
 * Ported rule for rule from Go's time/format.go: an optional sign, then one or more decimal
 * numbers each followed by a unit (ns, us, µs, μs, ms, s, m, h), "0" alone allowed, anything else
 * (an empty string, a missing or unknown unit, a space, more than 2^63-1 ns) refused.
 * Nanoseconds are bigints: a Go duration is an int64 and Number would round it past 2^53.
 */

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // U+00B5 MICRO SIGN
  "\u03bcs": 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 1n << 63n; // Go's int64 bound, checked the way Go checks it
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Nanoseconds of a Go duration, or undefined where Go's ParseDuration returns an error. */
export function parseGoDurationNs(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return undefined;
  let total = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]))) return undefined;
    // The integer part: an overflow is an error.
    let i = 0;
    let v = 0n;
    for (; isDigit(s[i]); i++) {
      if (v > LIMIT / 10n) return undefined;
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) return undefined;
    }
    const pre = i > 0;
    s = s.slice(i);
    // The fraction: digits past what fits are dropped, as Go does.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return undefined;
    // The unit runs to the next digit or dot.
    let k = 0;
    while (k < s.length && !(s[k] === "." || isDigit(s[k]))) k++;
    if (k === 0) return undefined;
    const unit = UNITS[s.slice(0, k)];
    if (unit === undefined) return undefined;
    s = s.slice(k);
    if (v > LIMIT / unit) return undefined;
    v *= unit;
    if (f > 0n) {
      // float64 arithmetic, truncated, exactly as Go computes the fraction's share.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) return undefined;
    }
    total += v;
    if (total > LIMIT) return undefined;
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) return undefined;
  return total;
}

/** Milliseconds of a Go duration (fractional below 1 ms), or undefined if Go would refuse it. */
export function parseGoDuration(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  return ns === undefined ? undefined : Number(ns) / 1e6;
}

/** `time.Duration.String()`: "0s", "1.5s", "1m0s", "2h0m0s", "500ms", "1µs", "-3s". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    // Below a second: the largest unit that keeps a non-zero integer part.
    const [unit, prec] = u < 1_000n ? ["ns", 0] : u < 1_000_000n ? ["\u00b5s", 3] : ["ms", 6];
    out = fraction(u, prec) + unit;
  } else {
    const secondsPart = fraction(u % 60_000_000_000n, 9);
    u /= 60_000_000_000n;
    out = `${secondsPart}s`;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** `v / 10^prec` in decimal, trailing zeros of the fraction and a bare dot dropped (Go's fmtFrac). */
function fraction(v: bigint, prec: number): string {
  const div = 10n ** BigInt(prec);
  const frac = prec === 0 ? "" : (v % div).toString().padStart(prec, "0").replace(/0+$/, "");
  return frac === "" ? `${v / div}` : `${v / div}.${frac}`;
}
