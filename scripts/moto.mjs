#!/usr/bin/env node
// Installs moto server (PyPI `moto[server]`, pinned) into a virtualenv in the tool cache
// (scripts/pip-venv.mjs) for the reconciler's tests and for running `npm start` against a fake
// AWS account. Run the server as `<venv>/bin/python -m moto.server`, never `bin/moto_server`.
//
// Usage: node scripts/moto.mjs install

import { installPipVenv, pipVenvCli } from "./pip-venv.mjs";
import { motoVenv, PINS } from "./tool-cache.mjs";

await pipVenvCli("moto", () =>
  installPipVenv({
    name: "moto",
    what: "moto server",
    requirements: [PINS.moto],
    targetDir: motoVenv(),
    check: "import moto.server",
  }),
);
