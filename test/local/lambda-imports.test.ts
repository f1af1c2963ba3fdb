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
      // Who imports node:sqlite. undici (the Kubernetes client's HTTP client, in the
      // reconciler) has an optional SQLite cache store that requires it lazily, in a
      // constructor nothing calls: loaded, the bundle never touches node:sqlite.
      const importers = Object.entries(out.metafile.inputs)
        .filter(([, i]) => i.imports.some((x) => x.path === "node:sqlite"))
        .map(([path]) => path)
        .filter(
          (path) =>
            !/^node_modules\/undici\/lib\/(cache\/sqlite-cache-store|util\/runtime-features)\.js$/.test(
              path,
            ),
        );
      expect(importers, entry).toEqual([]);
    }
  });
});
