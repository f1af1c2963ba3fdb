import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { blixardShapesBinary } from "../../scripts/tool-cache.mjs";

/**
 * test/blixard-shapes, built by scripts/blixard-shapes.mjs (run by the integration set-up,
 * test/global-setup.ts): Blixard's struct shapes, join client and DNS discovery in Rust.
 */
export const BLIXARD_BINARY = blixardShapesBinary();

export interface BlixardRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function assertBlixardBinary(): void {
  if (!existsSync(BLIXARD_BINARY)) {
    throw new Error(`${BLIXARD_BINARY} is missing: run node scripts/blixard-shapes.mjs build`);
  }
}

/** Runs it to its end (40 s at most), whatever its exit code; `env` is added to a bare one. */
export function blixard(args: string[], env: Record<string, string> = {}): Promise<BlixardRun> {
  return new Promise((resolve) => {
    execFile(
      BLIXARD_BINARY,
      args,
      { timeout: 40_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Its JSON answer; throws with what it printed when it failed. */
export async function blixardJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const r = await blixard(args, env);
  if (r.code !== 0)
    throw new Error(`blixard-shapes ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
