#!/usr/bin/env node
// Installs the real clients the DNS and Prometheus tests speak to: dig (Debian `bind9-dnsutils`),
// systemd-analyze (Debian `systemd`, to verify the example units),
// Prometheus (Debian `prometheus`, 2.42 on bookworm), curl and openssl; and etcd (Debian
// `etcd-server`, 3.4 on bookworm), the store of the kube-apiserver the Kubernetes tests run. Idempotent and fast once installed
// (one `which` per tool); `apt-get update` runs only when a package is missing and apt has no
// candidate for it, so a warm machine never touches the network.
//
// Usage: node scripts/apt-tools.mjs install

import { execFileSync, spawnSync } from "node:child_process";

/** Command on PATH (or at a fixed path) → Debian package that provides it. */
const TOOLS = [
  { command: "dig", pkg: "bind9-dnsutils" },
  { command: "prometheus", pkg: "prometheus" },
  // The DoH test's other client, and the maker of its throwaway certificate.
  { command: "curl", pkg: "curl" },
  { command: "openssl", pkg: "openssl" },
  // kube-apiserver's store (scripts/engines/kube-apiserver.ts starts one per test file). Where
  // systemd runs, the package also starts a system etcd on 2379; the tests use their own ports.
  { command: "etcd", pkg: "etcd-server" },
  // The check of the example systemd units (test/docs/systemd.integration.test.ts).
  { command: "systemd-analyze", pkg: "systemd" },
];

const has = (command) =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

function hasCandidate(pkg) {
  const out = spawnSync("apt-cache", ["policy", pkg], { encoding: "utf8" }).stdout ?? "";
  return /Candidate: (?!\(none\))/.test(out);
}

// Other apt users on the machine hold the lock for a while: wait for it rather than fail.
const APT = ["-o", "DPkg::Lock::Timeout=600", "-o", "Acquire::Retries=3"];

function install() {
  const missing = TOOLS.filter((t) => !has(t.command)).map((t) => t.pkg);
  if (missing.length === 0) {
    console.log(
      `apt-tools: ${TOOLS.map((t) => t.command).join(", ")} already installed, nothing to do`,
    );
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `apt-tools: ${missing.join(", ")} missing and not root; install with: sudo apt-get install -y --no-install-recommends ${missing.join(" ")}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!missing.every(hasCandidate)) {
    execFileSync("apt-get", [...APT, "update"], { stdio: ["ignore", "ignore", "inherit"], env });
  }
  execFileSync("apt-get", [...APT, "install", "-y", "--no-install-recommends", ...missing], {
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
  for (const t of TOOLS) {
    if (!has(t.command))
      throw new Error(`apt-tools: ${t.pkg} installed but ${t.command} not on PATH`);
  }
  console.log(`apt-tools: installed ${missing.join(", ")}`);
}

const [command] = process.argv.slice(2);
if (command === "install") {
  install();
} else {
  console.error("usage: node scripts/apt-tools.mjs install");
  process.exit(2);
}
