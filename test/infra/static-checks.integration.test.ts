import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeStack } from "../../infra/edge-stack.js";
import { CFN_LINT_IGNORED, CHECKOV_ACCEPTED } from "../../infra/static-checks.js";
import { iacLintVenv } from "../../scripts/tool-cache.mjs";
import { cleanUp, type Synthesized, scratchDir, synthesize } from "./synth.js";

const run = promisify(execFile);
const PYTHON = join(iacLintVenv(), "bin", "python");

/** The default stack, every option, and the edge stack, as template files. */
let dir: string;
let stacks: Synthesized[];
let templates: string[];
beforeAll(() => {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `cfn-lint and checkov are not installed; run: node scripts/iac-lint.mjs install`,
    );
  }
  dir = scratchDir();
  stacks = [
    synthesize({}, false),
    synthesize(
      {
        iamRoles: { "web-nodes": { role: "register", services: ["web"], bindInstanceId: true } },
        domainName: "registry.example.com",
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/muster/abc",
        ec2Discovery: {},
        cloudMap: { create: { name: "muster.internal", vpcId: "vpc-0123456789abcdef0" } },
        membershipEvents: true,
        tableBilling: { mode: "provisioned" },
      },
      false,
    ),
  ];
  const edge = new EdgeStack(new App({ outdir: dir }), "MusterEdge", {
    env: { region: "us-east-1" },
    rateLimit: 2000,
    webAclName: "Muster-registry",
  });
  const all = [...stacks.map((s) => s.template.toJSON()), Template.fromStack(edge).toJSON()];
  templates = all.map((t, i) => {
    const file = join(dir, `template-${i}.json`);
    writeFileSync(file, JSON.stringify(t, null, 1));
    return file;
  });
}, 180_000);
afterAll(() => {
  for (const s of stacks ?? []) cleanUp(s);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A linter's exit code and output: both report findings with a non-zero code. */
async function lint(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(PYTHON, args, { maxBuffer: 64 << 20, timeout: 300_000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("static checks of the synthesized templates", () => {
  it("cfn-lint finds nothing beyond the documented rules", async () => {
    const { code, stdout } = await lint([
      "-c",
      "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())",
      "--ignore-checks",
      ...Object.keys(CFN_LINT_IGNORED),
      "--format",
      "parseable",
      "--",
      ...templates,
    ]);
    expect(stdout.trim()).toBe("");
    expect(code).toBe(0);
  }, 300_000);

  it("checkov fails only the documented checks, each of which it does fail", async () => {
    const { stdout } = await lint([
      "-m",
      "checkov.main",
      "--framework",
      "cloudformation",
      "--output",
      "json",
      "--quiet",
      "--skip-download",
      ...templates.flatMap((t) => ["-f", t]),
    ]);
    const reports = [JSON.parse(stdout)].flat() as {
      results: { failed_checks: { check_id: string; resource: string }[] };
      summary: { passed: number };
    }[];
    const failed = reports.flatMap((r) => r.results.failed_checks);
    const unexpected = failed.filter((f) => !(f.check_id in CHECKOV_ACCEPTED));
    expect(unexpected.map((f) => `${f.check_id} ${f.resource}`)).toEqual([]);
    // No stale acceptance: each is still reported by at least one template.
    expect(new Set(failed.map((f) => f.check_id))).toEqual(new Set(Object.keys(CHECKOV_ACCEPTED)));
    // The front door itself passes: no public function URL (CKV_AWS_258).
    expect(failed.map((f) => f.check_id)).not.toContain("CKV_AWS_258");
    expect(reports.reduce((n, r) => n + r.summary.passed, 0)).toBeGreaterThan(30);
  }, 300_000);

  it("has every accepted finding written up in docs/security.md", () => {
    const doc = readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8");
    for (const id of [...Object.keys(CFN_LINT_IGNORED), ...Object.keys(CHECKOV_ACCEPTED)]) {
      expect(doc).toContain(`\`${id}\``);
    }
  });
});
