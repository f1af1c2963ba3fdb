/** How usage texts (`muster-agent help`, the CLIs) list the registry's formats. */

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/**
 * Words wrapped to `width` columns, the first line starting at column `indent` (the caller
 * writes what is before it) and every next one indented to it.
 */
export function wrap(text: string, indent: number, width = 92): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** An option of a usage text: its name from column 3, its help from column 29. */
export function optionLines(name: string, help: string): string {
  const [first = "", ...rest] = help.split("\n");
  return [`  ${name.padEnd(26)}${first}`, ...rest.map((l) => `${" ".repeat(28)}${l}`)].join("\n");
}
