#!/usr/bin/env node
// The `muster` command. Plain JavaScript that any Node can parse: an older Node runs it
// again under the project's own Node 24 (bin/project-node.mjs), or stops with one line if
// there is none. It then runs the CLI in this same process, from a bundle of the TypeScript
// built once and kept until the source changes (bin/local-bundle.mjs), so the pid a
// supervisor started is the server itself and its signals reach it.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  const { runUnderProjectNode } = await import("./project-node.mjs");
  await runUnderProjectNode(24);
}
const { loadMuster } = await import("./local-bundle.mjs");
await loadMuster();
