import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { applyAwsTestEnv } from "../scripts/engines/aws-env.js";
import { startMoto } from "../scripts/engines/moto.js";
import type { RunningEngine } from "../scripts/engines/running-engine.js";
import { ENGINES, type StartedEngine } from "./engines/start.js";

/**
 * The integration project's set-up, and the only place the engines are installed and started:
 * the unit project needs none of them (no Java, no Python, no Rust, no apt, no network).
 * Every installer is cheap once its result is in the tool cache (scripts/tool-cache.mjs) or on the machine.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  applyAwsTestEnv();
  // Moto's virtualenv (a minute the first time, instant once built).
  const motoInstaller = fileURLToPath(new URL("../scripts/moto.mjs", import.meta.url));
  execFileSync(process.execPath, [motoInstaller, "install"], {
    stdio: ["ignore", "ignore", "inherit"],
  });

  // cfn-lint and checkov, which lint the synthesized templates (a virtualenv, like moto's).
  const iacLint = fileURLToPath(new URL("../scripts/iac-lint.mjs", import.meta.url));
  execFileSync(process.execPath, [iacLint, "install"], { stdio: ["ignore", "ignore", "inherit"] });

  // dig and Prometheus, the real clients of the DNS and discovery tests, etcd, and what the
  // Rust program below builds against (Debian packages).
  const aptTools = fileURLToPath(new URL("../scripts/apt-tools.mjs", import.meta.url));
  execFileSync(process.execPath, [aptTools, "install"], { stdio: ["ignore", "ignore", "inherit"] });

  // The Rust program running Blixard's own code: its types, join client and DNS discovery (cargo).
  const shapes = fileURLToPath(new URL("../scripts/blixard-shapes.mjs", import.meta.url));
  execFileSync(process.execPath, [shapes, "build"], { stdio: ["ignore", "ignore", "inherit"] });

  // kube-apiserver from the Go module proxy (minutes the first time, nothing once cached); the
  // Kubernetes tests start it, over Debian's etcd (apt-tools above), one per test file.
  const kube = fileURLToPath(new URL("../scripts/kube-apiserver.mjs", import.meta.url));
  execFileSync(process.execPath, [kube, "build"], { stdio: ["ignore", "ignore", "inherit"] });

  // The bundle `muster serve` runs (bin/local-bundle.mjs): built once here when the source
  // changed, rather than by the first servers the test files start, all at once.
  const bundle = fileURLToPath(new URL("../bin/local-bundle.mjs", import.meta.url));
  execFileSync(process.execPath, [bundle], { stdio: ["ignore", "ignore", "inherit"] });

  // The real Consul clients, built from the Go module proxy (minutes the first time, nothing
  // once cached): HashiCorp's official client and Prometheus's Consul discovery.
  const consulClients = fileURLToPath(new URL("../scripts/consul-clients.mjs", import.meta.url));
  execFileSync(process.execPath, [consulClients, "build"], {
    stdio: ["ignore", "ignore", "inherit"],
  });

  // Started side by side: the JVM and moto take a couple of seconds each. The store engines
  // are listed in test/engines/start.ts (SQLite needs no server: every test registry opens its
  // own file).
  const settled = await Promise.allSettled<RunningEngine | StartedEngine>([
    startMoto(),
    ...ENGINES.map((start) => start()),
  ]);
  const stopAll = () =>
    Promise.all(settled.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) {
    // Do not leave the others running: a JVM would outlive the run and hold its port.
    await stopAll();
    throw failure.reason;
  }
  const [moto, ...engines] = settled.map(
    (result) => (result as PromiseFulfilledResult<RunningEngine | StartedEngine>).value,
  ) as [RunningEngine, ...StartedEngine[]];
  project.provide(
    "engines",
    engines.map((e) => e.engine),
  );
  project.provide("moto", moto.endpoint);

  return async () => {
    await stopAll();
  };
}
