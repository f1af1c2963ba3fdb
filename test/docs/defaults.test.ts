import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TIMEOUT_DEFAULT_SECONDS } from "../../agent/defaults.js";
import { IMDS_ENDPOINT } from "../../agent/imds.js";
import { JOIN_USAGE, RUN_USAGE } from "../../agent/usage.js";
import {
  heartbeatBody,
  heartbeatInterval,
  TTL_MAX,
  TTL_MIN,
} from "../../shared/model/heartbeat.js";
import { LOCAL_TABLE, readLocalSettings } from "../../shared/settings/local.js";
import { ROOT } from "../support/local-server.js";

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
/** What a heartbeat that says nothing more gets: the schema's own defaults. */
const DEFAULTS = heartbeatBody.parse({ id: "x", address: "127.0.0.1:1" });
const LOCAL = readLocalSettings({});
/** En dashes in prose, hyphens in a terminal's help. */
const dashes = (s: string) => s.replace(/–/g, "-");

/** The rows of agent/README.md's flag table under `heading`: flag → its "what" cell. */
function flagTable(text: string, heading: string): Map<string, string> {
  const start = text.indexOf(heading);
  expect(start, heading).toBeGreaterThan(-1);
  const rest = text.slice(start + heading.length);
  const section = rest.slice(0, rest.search(/\n## /) === -1 ? undefined : rest.search(/\n## /));
  const rows = new Map<string, string>();
  for (const line of section.split("\n")) {
    const match = /^\| `(--[a-z0-9-]+)[^`]*`[^|]*\| (.*) \|$/.exec(line);
    if (match) rows.set(match[1] as string, match[2] as string);
  }
  return rows;
}

/** "(default X)" or "default `X`" in a cell or a help line; undefined when it states none. */
function statedDefault(text: string): string | undefined {
  const match = /\(default:? ([^);]+)[);]|default `([^`]+)`|\bdefault (\S+)$/.exec(text.trim());
  return match ? (match[1] ?? match[2] ?? match[3])?.replace(/^`|`$/g, "") : undefined;
}

/** A flag's line (and the lines it continues onto) in a command's help. */
function helpLine(usage: string, flag: string): string {
  const lines = usage.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^\\s+${flag}\\b`).test(l));
  expect(at, `${flag} in the help`).toBeGreaterThan(-1);
  let text = lines[at] as string;
  for (let i = at + 1; i < lines.length && /^\s{20,}\S/.test(lines[i] as string); i++) {
    text += ` ${(lines[i] as string).trim()}`;
  }
  return text;
}

describe("agent/README.md says what the agent does", () => {
  const readme = read("agent/README.md");

  it("every default in the run and join tables is the help's, and the help's is the code's", () => {
    for (const [heading, usage] of [
      ["## `muster-agent run`", RUN_USAGE],
      ["## `muster-agent join`", JOIN_USAGE],
    ] as const) {
      const table = flagTable(readme, heading);
      expect(table.size, heading).toBeGreaterThan(5);
      for (const [flag, what] of table) {
        const documented = statedDefault(what);
        if (documented === undefined || documented.startsWith("$") || / the /.test(documented)) {
          continue;
        }
        expect(statedDefault(helpLine(usage, flag)), `${heading} ${flag}`).toBe(documented);
      }
    }
    const run = flagTable(readme, "## `muster-agent run`");
    expect(statedDefault(run.get("--ttl") ?? "")).toBe(String(DEFAULTS.ttl));
    expect(dashes(run.get("--ttl") ?? "")).toContain(`${TTL_MIN}-${TTL_MAX}`);
    expect(statedDefault(run.get("--weight") ?? "")).toBe(String(DEFAULTS.weight));
    expect(statedDefault(run.get("--timeout") ?? "")).toBe(String(TIMEOUT_DEFAULT_SECONDS));
    expect(statedDefault(run.get("--imds-endpoint") ?? "")).toBe(IMDS_ENDPOINT);
  });

  it("the curl recipe's TTL is the agent's, and so is its interval", () => {
    const match = /`TTL` defaults to (\d+) s \(a heartbeat every (\d+) s\)/.exec(readme);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBe(DEFAULTS.ttl);
    expect(Number(match?.[2])).toBe(heartbeatInterval(DEFAULTS.ttl));
    const script = read("agent/examples/curl-heartbeat.sh");
    expect(/TTL=\$\{TTL:-(\d+)\}/.exec(script)?.[1]).toBe(String(DEFAULTS.ttl));
  });
});

describe("docs/api.md and docs/local-mode.md say what the code does", () => {
  it("the heartbeat body's ranges and defaults", () => {
    const api = dashes(read("docs/api.md")).replace(/\s+/g, " ");
    expect(api).toContain(`\`ttl\` (${TTL_MIN}-${TTL_MAX} s, default ${DEFAULTS.ttl}`);
    expect(api).toContain(`\`weight\` (1-1000, default ${DEFAULTS.weight})`);
    expect(api).toContain(
      `\`status\` (\`passing\` | \`warning\` | \`critical\`, default \`${DEFAULTS.status}\`)`,
    );
  });

  it("muster serve's defaults, in docs/local-mode.md's table and the README's quick start", () => {
    const table = new Map<string, string>();
    for (const line of read("docs/local-mode.md").split("\n")) {
      const match = /^\| `[^`]+`(?: \/ `([A-Z_]+)`)?\s*\| ([^|]+)\|/.exec(line);
      const name = match?.[1] ?? /^\| `([A-Z_]+)`/.exec(line)?.[1];
      if (match && name) table.set(name, (match[2] as string).trim().replace(/^`|`$/g, ""));
    }
    expect(table.get("PORT")).toBe(String(LOCAL.port));
    expect(table.get("HOST")).toBe(LOCAL.host);
    expect(table.get("MUSTER_DATA_DIR")).toBe(LOCAL.dataDir);
    expect(table.get("MUSTER_STORE")).toBe(LOCAL.store);
    expect(table.get("MUSTER_TABLE")).toBe(LOCAL_TABLE);
    expect(read("README.md")).toContain(`<http://${LOCAL.host}:${LOCAL.port}>`);
  });
});
