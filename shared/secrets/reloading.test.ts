import { describe, expect, it } from "vitest";
import { Reloading } from "./reloading.js";

/** A loader that answers from a list, one answer (or failure) per call. */
function loader(answers: (string | Error)[]) {
  const calls = { count: 0 };
  const load = async () => {
    const answer = answers[Math.min(calls.count++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer ?? "";
  };
  return { load, calls };
}

function reloading(answers: (string | Error)[], clock: { ms: number }) {
  const warnings: { message: string; detail?: Record<string, unknown> }[] = [];
  const { load, calls } = loader(answers);
  const value = new Reloading({
    what: "the numbers",
    load,
    parse: (text) => {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new Error("not a whole number");
      return n;
    },
    maxAgeMs: 60_000,
    now: () => clock.ms,
    warn: (message, detail) => warnings.push({ message, detail }),
  });
  return { value, calls, warnings };
}

describe("Reloading", () => {
  it("loads on first use, answers from memory, and reloads once older than maxAgeMs", async () => {
    const clock = { ms: 1_000_000 };
    const { value, calls } = reloading(["1", "2"], clock);
    expect(value.current()).toBeUndefined();
    expect(await value.get()).toBe(1);
    clock.ms += 59_999;
    expect(await value.get()).toBe(1);
    expect(calls.count).toBe(1);
    clock.ms += 1;
    expect(await value.get()).toBe(2);
    expect(value.current()).toBe(2);
  });

  it("shares one load between concurrent callers", async () => {
    const { value, calls } = reloading(["7"], { ms: 0 });
    expect(await Promise.all([value.get(), value.get(), value.get()])).toEqual([7, 7, 7]);
    expect(calls.count).toBe(1);
  });

  it("one rule for a failed first load and a failed reload: keep what was loaded, retry in 5 s", async () => {
    const clock = { ms: 0 };
    const { value, calls, warnings } = reloading(
      [new Error("AccessDenied"), "1", new Error("throttled"), "oops", "3"],
      clock,
    );
    // First load fails: nothing to answer with, and no new load for 5 s.
    expect(await value.get()).toBeUndefined();
    clock.ms += 4_999;
    expect(await value.get()).toBeUndefined();
    expect(calls.count).toBe(1);
    clock.ms += 1;
    expect(await value.get()).toBe(1);

    // A reload fails (the store, then a damaged value): the previous value stays.
    clock.ms += 60_000;
    expect(await value.get()).toBe(1);
    clock.ms += 5_000;
    expect(await value.get()).toBe(1);
    expect(calls.count).toBe(4);
    clock.ms += 5_000;
    expect(await value.get()).toBe(3);

    expect(warnings.map((w) => w.message)).toEqual([
      "cannot load the numbers",
      "reloading the numbers failed; keeping the previous set",
      "reloading the numbers failed; keeping the previous set",
    ]);
    expect(warnings.map((w) => w.detail?.reason)).toEqual([
      "Error: AccessDenied",
      "Error: throttled",
      "Error: not a whole number",
    ]);
  });
});
