/**
 * The README's walk-through as steps a test can run: its fenced blocks in order, each with
 * the prose just before it. A `sh` block is commands, each followed by the `# …` lines of what
 * it prints (`…` stands for anything); a fence with no language is what the last server
 * printed; a `yaml` block is a file the prose names.
 */
export interface Command {
  /** The command as typed, continuation lines joined. */
  text: string;
  /** The `# …` lines after it, without the `# `. */
  expect: string[];
}

export type Step =
  | { kind: "sh"; commands: Command[]; prose: string }
  | { kind: "output"; lines: string[]; prose: string }
  | { kind: "file"; text: string; prose: string };

/** The fenced blocks of `markdown` between the headings `from` and `to` (exclusive). */
export function walkthrough(markdown: string, from: string, to: string): Step[] {
  const start = markdown.indexOf(from);
  const end = markdown.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`no section from ${from} to ${to}`);
  const lines = markdown.slice(start, end).split("\n");
  const steps: Step[] = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i] as string);
    if (!fence) {
      prose.push(lines[i] as string);
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) {
      body.push(lines[i] as string);
    }
    const before = lastParagraph(prose);
    prose = [];
    const lang = fence[1];
    if (lang === "sh") steps.push({ kind: "sh", commands: commands(body), prose: before });
    else if (lang === "") steps.push({ kind: "output", lines: body, prose: before });
    else steps.push({ kind: "file", text: `${body.join("\n")}\n`, prose: before });
  }
  return steps;
}

function lastParagraph(lines: string[]): string {
  const text = lines.join("\n").trim();
  return text.slice(text.lastIndexOf("\n\n") + 1).trim();
}

function commands(body: string[]): Command[] {
  const out: Command[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = body[i] as string;
    if (line.trim() === "") continue;
    const comment = /^# ?(.*)$/.exec(line);
    if (comment) {
      const last = out.at(-1);
      if (!last) throw new Error(`an output line before any command: ${line}`);
      last.expect.push(comment[1] as string);
      continue;
    }
    let text = line;
    while (text.endsWith("\\") && i + 1 < body.length) text = `${text.slice(0, -1)}${body[++i]}`;
    out.push({ text: text.trim(), expect: [] });
  }
  return out;
}

/** A README output line as a pattern: `…` is anything, the rest literal. */
export function outputPattern(line: string): RegExp {
  const parts = line.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`);
}

/**
 * Whether `expected` appear in `output`, in order, each matching a whole line (lines in
 * between, npm's banner or log lines the README leaves out, are skipped). Returns the first
 * expected line not found.
 */
export function missingLine(expected: string[], output: string): string | undefined {
  const lines = output.split("\n").map((l) => l.trimEnd());
  let at = 0;
  for (const want of expected) {
    const pattern = outputPattern(want.trimEnd());
    while (at < lines.length && !pattern.test(lines[at] as string)) at++;
    if (at === lines.length) return want;
    at++;
  }
  return undefined;
}
