#!/usr/bin/env node
// `muster-agent` in this repository (`npx muster-agent …`): the agent's TypeScript run as it
// is, through tsx's loader in this process. What a node installs is the one file
// `npm run build:agent` makes (dist/muster-agent.mjs), the same command under the same name.
const { register } = await import("tsx/esm/api");
register();
await import("../agent/cli.ts");
