#!/usr/bin/env node
// Installs the real clients the DNS and Prometheus tests speak to: dig (Debian `bind9-dnsutils`),
// Prometheus (Debian `prometheus`, 2.42 on bookworm), curl and openssl; etcd (Debian
// `etcd-server`, 3.4 on bookworm), the store of the kube-apiserver the Kubernetes tests run;
// systemd-analyze (Debian `systemd`), to verify the example units; and
// what the Rust test program needs to build (scripts/blixard-shapes.mjs): pkg-config and
// OpenSSL's headers, for Blixard's native-tls HTTP client; and Chromium, the browser the web
// UI's tests drive (test/ui/). Idempotent and fast once installed
// (one `which` per tool); `apt-get update` runs only when a package is missing and apt has no
// candidate for it, so a warm machine never touches the network.
//
// `install --bench` adds what only `npm run bench` uses: NSD (Debian `nsd`, the authoritative
// DNS server muster's DNS is compared with) and dnsperf (Debian `dnsperf`, the load generator).
// The tests never need them.
//
// Usage: node scripts/apt-tools.mjs install [--bench]

import { execFileSync, spawnSync } from "node:child_process";

/** A shell test that passes once the tool is there → Debian package that provides it. */
const TOOLS = [
  { what: "dig", test: "command -v dig", pkg: "bind9-dnsutils" },
  { what: "prometheus", test: "command -v prometheus", pkg: "prometheus" },
  // The DoH test's other client, and the maker of its throwaway certificates.
  { what: "curl", test: "command -v curl", pkg: "curl" },
  { what: "openssl", test: "command -v openssl", pkg: "openssl" },
  // kube-apiserver's store (scripts/engines/kube-apiserver.ts starts one per test file). Where
  // systemd runs, the package also starts a system etcd on 2379; the tests use their own ports.
  { what: "etcd", test: "command -v etcd", pkg: "etcd-server" },
  // openssl-sys (under reqwest's native-tls) finds OpenSSL through pkg-config.
  { what: "pkg-config", test: "command -v pkg-config", pkg: "pkg-config" },
  { what: "OpenSSL headers", test: "pkg-config --exists openssl", pkg: "libssl-dev" },
  // The check of the example systemd units (test/docs/systemd.integration.test.ts).
  { what: "systemd-analyze", test: "command -v systemd-analyze", pkg: "systemd" },
  // The web UI's tests drive Debian's Chromium with playwright-core (which downloads no browser).
  { what: "chromium", test: "command -v chromium", pkg: "chromium" },
];

/** Only for `npm run bench` (bench/dns.ts). */
const BENCH_TOOLS = [
  { what: "nsd", test: "command -v nsd", pkg: "nsd" },
  { what: "dnsperf", test: "command -v dnsperf", pkg: "dnsperf" },
];

const has = (tool) => spawnSync("sh", ["-c", tool.test], { stdio: "ignore" }).status === 0;

function hasCandidate(pkg) {
  const out = spawnSync("apt-cache", ["policy", pkg], { encoding: "utf8" }).stdout ?? "";
  return /Candidate: (?!\(none\))/.test(out);
}

// Other apt users on the machine hold the lock for a while: wait for it rather than fail.
const APT = ["-o", "DPkg::Lock::Timeout=600", "-o", "Acquire::Retries=3"];

function install(tools) {
  const missing = tools.filter((t) => !has(t)).map((t) => t.pkg);
  if (missing.length === 0) {
    console.log(
      `apt-tools: ${tools.map((t) => t.what).join(", ")} already installed, nothing to do`,
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
  for (const t of tools) {
    if (!has(t)) throw new Error(`apt-tools: ${t.pkg} installed but \`${t.test}\` still fails`);
  }
  console.log(`apt-tools: installed ${missing.join(", ")}`);
}

const [command, ...flags] = process.argv.slice(2);
if (command === "install" && flags.length === 0) {
  install(TOOLS);
} else if (command === "install" && flags.length === 1 && flags[0] === "--bench") {
  install(BENCH_TOOLS);
} else {
  console.error("usage: node scripts/apt-tools.mjs install [--bench]");
  process.exit(2);
}
