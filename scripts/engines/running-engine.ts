/** A server a test or the benchmark started: where it answers, and how to stop it. */
export interface RunningEngine {
  endpoint: string;
  stop(): Promise<void>;
}
