#!/usr/bin/env node
// Installs the template linters, cfn-lint and checkov (PyPI, pinned), into a virtualenv in the
// tool cache (scripts/pip-venv.mjs) for test/infra/static-checks.integration.test.ts. Run them
// as `<venv>/bin/python -m checkov.main` and through `cfnlint.runner.main`.
//
// Usage: node scripts/iac-lint.mjs install

import { installPipVenv, pipVenvCli } from "./pip-venv.mjs";
import { iacLintVenv, PINS } from "./tool-cache.mjs";

await pipVenvCli("iac-lint", () =>
  installPipVenv({
    name: "iac-lint",
    what: "cfn-lint and checkov",
    requirements: [PINS.cfnLint, PINS.checkov],
    targetDir: iacLintVenv(),
    check: "import cfnlint.runner, checkov.main",
  }),
);
