/** What the agent reports as it goes. The library is silent unless given one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * One line a message on stderr, no timestamp: under systemd the journal stamps each line, and
 * stdout stays free for what `join` prints.
 */
export function stderrLogger(name = "muster-agent"): Logger {
  const line = (level: string, message: string) => {
    process.stderr.write(`${name} ${level}: ${message}\n`);
  };
  return {
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m) => line("error", m),
  };
}
