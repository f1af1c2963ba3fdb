import { EXIT_REFUSED } from "./exit-status.js";

/** The oldest Node.js major local mode runs on: node:sqlite is built into 24. */
export const MIN_NODE_MAJOR = 24;

/** One clear line and a refusal's exit status on an older Node, before anything imports node:sqlite. */
export function requireNode(version = process.versions.node): void {
  const major = Number(version.split(".")[0]);
  if (major >= MIN_NODE_MAJOR) return;
  console.error(
    `muster: needs Node.js ${MIN_NODE_MAJOR} or newer, this is v${version}; run it through npm (npm start, npx muster serve), which uses the project's Node ${MIN_NODE_MAJOR}, or install Node ${MIN_NODE_MAJOR}`,
  );
  process.exit(EXIT_REFUSED);
}
