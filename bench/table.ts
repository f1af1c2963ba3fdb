/** One line of the printed table; every cell already formatted. */
export interface Row {
  what: string;
  engine: string;
  median: string;
  p99: string;
  reference: string;
  referenceMedian: string;
  ratio: string;
}

const HEADERS: Record<keyof Row, string> = {
  what: "what was measured",
  engine: "engine",
  median: "median",
  p99: "p99",
  reference: "reference",
  referenceMedian: "reference median",
  ratio: "ratio",
};
const COLUMNS = Object.keys(HEADERS) as (keyof Row)[];
/** Numbers read best right-aligned. */
const RIGHT = new Set<keyof Row>(["median", "p99", "referenceMedian", "ratio"]);

export const NONE = "—";

export function ms(value: number): string {
  const digits = value < 1 ? 3 : value < 100 ? 2 : 1;
  return `${value.toFixed(digits)} ms`;
}

export function bytes(value: number): string {
  return `${(value / 1024).toFixed(1)} KiB`;
}

export function ratio(ours: number, reference: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(reference) || reference === 0) return NONE;
  return `${(ours / reference).toFixed(2)}×`;
}

/** A plain markdown table, padded so it also reads well in a terminal. */
export function renderTable(rows: readonly Row[]): string {
  const width = (c: keyof Row) => Math.max(HEADERS[c].length, ...rows.map((r) => r[c].length));
  const cell = (c: keyof Row, text: string) =>
    RIGHT.has(c) ? text.padStart(width(c)) : text.padEnd(width(c));
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(COLUMNS.map((c) => cell(c, HEADERS[c]))),
    line(
      COLUMNS.map((c) => (RIGHT.has(c) ? `${"-".repeat(width(c) - 1)}:` : "-".repeat(width(c)))),
    ),
    ...rows.map((r) => line(COLUMNS.map((c) => cell(c, r[c])))),
  ].join("\n");
}
