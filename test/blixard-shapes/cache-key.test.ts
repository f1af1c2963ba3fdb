import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { blixardShapesBinary, blixardShapesSources, cacheRoot } from "../../scripts/tool-cache.mjs";

const here = dirname(fileURLToPath(import.meta.url));

// The program is built by the integration set-up; this check needs no cargo.
describe("test/blixard-shapes' build in the tool cache", () => {
  it("is kept under a hash of every source cargo reads, so no checkout runs another's build", () => {
    const sources = blixardShapesSources().map((f) => relative(here, f));
    expect(sources).toEqual(expect.arrayContaining(["Cargo.toml", "Cargo.lock", "src/main.rs"]));
    expect(sources).toEqual(expect.arrayContaining(["src/join.rs", "src/dns.rs"]));
    expect(sources.every((f) => /^Cargo\.(toml|lock)$|^src\/[^/]+\.rs$/.test(f))).toBe(true);
    expect(blixardShapesBinary()).toMatch(
      new RegExp(`^${cacheRoot()}/blixard-shapes-bin/[0-9a-f]{16}/blixard-shapes$`),
    );
  });
});
