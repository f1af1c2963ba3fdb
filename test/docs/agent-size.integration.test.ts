import { readdirSync, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildAgent, removeAgent } from "../agent/support.js";
import { ROOT } from "../support/local-server.js";

/** Where the docs may say how big the agent's one file is. */
const PAGES = [
  "README.md",
  "agent/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
/** "dist/muster-agent.mjs (about 130 KiB" or "the agent is one file of ≈ 130 KiB". */
const CLAIM = /(?:muster-agent\.mjs|the agent is one file)[^\n.]*?(?:about|≈) ([\d,.]+) KiB/g;

describe("what the docs say the agent's file weighs", () => {
  let bundle: string | undefined;
  afterAll(() => removeAgent(bundle));

  it("is within a tenth of what npm run build:agent makes", async () => {
    bundle = await buildAgent();
    const kib = (await stat(bundle)).size / 1024;
    const claims: [string, number][] = [];
    for (const page of PAGES) {
      for (const [, n] of readFileSync(join(ROOT, page), "utf8").matchAll(CLAIM)) {
        claims.push([page, Number((n as string).replace(/,/g, ""))]);
      }
    }
    expect(claims.length).toBeGreaterThan(0);
    for (const [page, claimed] of claims) {
      expect(
        Math.abs(claimed - kib) / kib,
        `${page} says ${claimed} KiB; it is ${kib.toFixed(1)}`,
      ).toBeLessThan(0.1);
    }
  });
});
