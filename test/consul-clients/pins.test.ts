import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PROGRAMS } from "../../scripts/consul-clients.mjs";
import {
  cacheRoot,
  consulClientsDir,
  consulClientsSources,
  PINS,
} from "../../scripts/tool-cache.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const read = (...path: string[]) => readFileSync(join(here, ...path), "utf8");

// The Go harnesses are built by the integration set-up; these checks need no Go.
describe("test/consul-clients", () => {
  it("requires exactly the pinned client versions, with their sums", () => {
    for (const [program, pin] of [
      ["api-client", PINS.consulApi],
      ["prom-consul-sd", PINS.prometheus],
    ] as const) {
      const [path, version] = pin.split("@");
      expect(read(program, "go.mod")).toMatch(new RegExp(`${path} ${version}\\b`));
      expect(read(program, "go.sum")).toContain(`${path} ${version} h1:`);
    }
    // Prometheus's module brings the Consul client too: the same version, not another.
    const [apiPath, apiVersion] = PINS.consulApi.split("@");
    expect(read("prom-consul-sd", "go.mod")).toContain(`${apiPath} ${apiVersion}`);
  });

  it("keys the build folder by every source of both programs", () => {
    const sources = consulClientsSources().map((f) => f.slice(here.length + 1));
    for (const program of PROGRAMS) {
      expect(sources).toContain(`${program}/go.mod`);
      expect(sources).toContain(`${program}/go.sum`);
      expect(sources).toContain(`${program}/main.go`);
    }
    expect(sources.every((f) => /(^|\/)go\.(mod|sum)$|\.go$/.test(f))).toBe(true);
    expect(consulClientsDir()).toMatch(new RegExp(`^${cacheRoot()}/consul-clients-[0-9a-f]{16}$`));
  });
});
