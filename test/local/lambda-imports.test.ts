import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("the Lambda functions' imports", () => {
  it("never reach local mode's SQLite store (node:sqlite is not for Lambda)", async () => {
    for (const entry of ["functions/api.ts", "functions/reconcile.ts"]) {
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      const inputs = Object.keys(out.metafile.inputs);
      expect(
        inputs.some((path) => path.startsWith("functions/")),
        entry,
      ).toBe(true);
      expect(
        inputs.filter((path) => path.includes("shared/store/sqlite") || path.includes("local/")),
        entry,
      ).toEqual([]);
      const external = Object.values(out.metafile.inputs).flatMap((i) =>
        i.imports.map((x) => x.path),
      );
      expect(external, entry).not.toContain("node:sqlite");
    }
  });
});
