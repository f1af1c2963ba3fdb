import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ADMIN_CLI_VARIABLES } from "./admin-cli.js";
import { API_VARIABLES } from "./api.js";
import { DNS_VARIABLES } from "./dns.js";
import { LOCAL_VARIABLES } from "./local.js";
import { VARIABLES } from "./names.js";
import { RECONCILER_VARIABLES } from "./reconciler.js";
import { STREAM_VARIABLES } from "./stream.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const KNOWN = new Set<string>(VARIABLES);

/**
 * The code that runs as muster's processes. agent/ keeps its own flags and variables; tests,
 * benchmarks, scripts and docs name variables to set them, not to read them.
 */
const SCANNED = ["shared", "local", "functions", "infra", "bin"];
const SETTINGS = join("shared", "settings");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === SETTINGS ? [] : sources(path);
    return /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

const VARIABLE_IN_TEXT = /(?<![A-Za-z0-9_])MUSTER_[A-Z0-9_]+/g;

/**
 * Where a file names a variable other than as `Env.NAME`: a string or template holding a
 * known variable's name (`"MUSTER_TABLE"`, `` `set MUSTER_TOKENS` ``), a key or identifier
 * spelled as one (`{ MUSTER_TABLE: … }`), or a property read of any `MUSTER_*` name or of
 * PORT/HOST (`env.MUSTER_X`, `process.env.PORT`). Comments are not code and may name them.
 */
function misuses(path: string, text = readFileSync(join(ROOT, path), "utf8")): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${path}:${line + 1}: ${what}`);
  };
  // `Env.NAME`, and `typeof Env.NAME` in a type.
  const viaEnv = (node: ts.Node) => {
    const p = node.parent;
    if (ts.isPropertyAccessExpression(p) && p.name === node) {
      return ts.isIdentifier(p.expression) && p.expression.text === "Env";
    }
    return (
      ts.isQualifiedName(p) && p.right === node && ts.isIdentifier(p.left) && p.left.text === "Env"
    );
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      for (const [name] of node.text.matchAll(VARIABLE_IN_TEXT)) {
        if (KNOWN.has(name)) at(node, `${name} in a string: use \${Env.${name}}`);
      }
    } else if (ts.isIdentifier(node) && !viaEnv(node)) {
      const name = node.text;
      const read =
        ts.isPropertyAccessExpression(node.parent) &&
        node.parent.name === node &&
        (name.startsWith("MUSTER_") || KNOWN.has(name));
      if (read || (name.startsWith("MUSTER_") && KNOWN.has(name))) {
        at(node, `${name} read or named outside shared/settings: use its section, or Env.${name}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("the settings module", () => {
  it("is the only code that reads a MUSTER_* variable (agent/ aside)", () => {
    const files = SCANNED.flatMap(sources);
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((path) => misuses(path))).toEqual([]);
  });

  it("catches every way of naming a variable elsewhere, and lets Env and comments be", () => {
    const code = [
      "const a = process.env.MUSTER_TABLE;",
      "const b = env.MUSTER_NOT_YET_KNOWN;",
      'const c = env["MUSTER_TOKENS"];',
      // A template with a placeholder: `set ${x} MUSTER_DATA_DIR`.
      `const d = \`set \${x} MUSTER_DATA_DIR\`;`,
      "const e = { MUSTER_EVENT_BUS: bus };",
      "const f = process.env.PORT;",
      "// MUSTER_TABLE in a comment",
      "const g: typeof Env.MUSTER_TABLE = Env.MUSTER_TABLE + Env.PORT;",
      'const h = { [MUSTER_ID]: "MUSTER_EXPORTED" };',
    ].join("\n");
    expect(misuses("probe.ts", code).map((m) => m.split(": ")[0])).toEqual([
      "probe.ts:1",
      "probe.ts:2",
      "probe.ts:3",
      "probe.ts:4",
      "probe.ts:5",
      "probe.ts:6",
    ]);
  });

  it("reads every variable it names, each in a section", () => {
    const read = new Set([
      ...API_VARIABLES,
      ...DNS_VARIABLES,
      ...RECONCILER_VARIABLES,
      ...STREAM_VARIABLES,
      ...LOCAL_VARIABLES,
      ...ADMIN_CLI_VARIABLES,
    ]);
    expect([...read].sort()).toEqual([...VARIABLES].sort());
  });

  it("has every variable in docs/configuration.md's table, and the table no other", () => {
    const doc = readFileSync(join(ROOT, "docs", "configuration.md"), "utf8");
    const listed = new Set<string>();
    for (const line of doc.split("\n")) {
      const first = /^\|([^|]+)\|/.exec(line)?.[1] ?? "";
      for (const [, name] of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) {
        if (name?.startsWith("MUSTER_") || name === "PORT" || name === "HOST") listed.add(name);
      }
    }
    expect([...listed].sort()).toEqual([...VARIABLES].sort());
  });
});
