/**
 * The part of a logger the app uses. Powertools' `Logger` fits it as it is; tests and local
 * mode pass their own.
 */
export interface AppLogger {
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export const silentLogger: AppLogger = { info() {}, warn() {}, error() {} };
