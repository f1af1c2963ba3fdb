#!/usr/bin/env node
// The `muster` command. Plain JavaScript that any Node can parse, so that an older Node
// stops here with one line instead of a stack trace from a module it lacks (node:sqlite).
// It then runs the CLI in this same process, from a bundle of the TypeScript built once and
// kept until the source changes (bin/local-bundle.mjs), so the pid a supervisor started is the
// server itself and its signals reach it.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `muster: needs Node.js 24 or newer, this is ${process.version}; run it through npm (npm start, npx muster serve), which uses the project's Node 24, or install Node 24`,
  );
  process.exit(1);
}
const { loadMuster } = await import("./local-bundle.mjs");
await loadMuster();
