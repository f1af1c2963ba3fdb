import type { AppLogger } from "../shared/logging.js";

function line(level: string, message: string, extra: unknown[]): string {
  const rest = extra.map((e) => (e instanceof Error ? e.message : JSON.stringify(e))).join(" ");
  return `${new Date().toISOString()} ${level} ${message}${rest ? ` ${rest}` : ""}`;
}

/** One readable line per event on stderr; the Lambda functions log JSON through Powertools. */
export const consoleLogger: AppLogger = {
  info: (m, ...e) => console.error(line("info ", m, e)),
  warn: (m, ...e) => console.error(line("warn ", m, e)),
  error: (m, ...e) => console.error(line("error", m, e)),
};
